//! Names both binaries check the same way: S3 bucket names, key prefixes and camera ids.
//! Each returns the trimmed name, or a problem phrased to follow "`<field>`: " that says the rule.

/// S3's bucket naming rules, so a typo fails at start-up (or in the Camera's status) rather than on the first
/// upload 15 minutes later.
pub fn bucket_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    let rules = "bucket names are 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit";
    let valid_chars = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let valid_ends =
        name.starts_with(|c: char| c.is_ascii_alphanumeric()) && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !(3..=63).contains(&name.len()) || !valid_chars || !valid_ends || name.contains("..") {
        return Err(format!("'{name}' is not a valid bucket name; {rules}"));
    }
    Ok(name.to_owned())
}

/// A key prefix: `/`-separated parts, none empty, `.` or `..`. Surrounding slashes are dropped.
pub fn key_prefix(text: &str) -> Result<String, String> {
    let prefix = text.trim().trim_matches('/');
    if !prefix.is_empty() && prefix.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Err(format!(
            "'{prefix}' has an empty, '.' or '..' path part; write it like site-a or recordings/site-a"
        ));
    }
    Ok(prefix.to_owned())
}

/// Camera ids appear in S3 keys, spool paths and metric labels, so they are kept to a safe alphabet.
pub fn camera_id(text: &str) -> Result<String, String> {
    let id = text.trim();
    let valid = !id.is_empty()
        && id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !valid {
        return Err(format!(
            "'{id}' is not a valid camera id; use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit"
        ));
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert_eq!(bucket_name(" camera-recordings "), Ok("camera-recordings".into()));
        for bad in ["ab", "My_Bucket", "-leading", "trailing-", "two..dots", &"a".repeat(64)] {
            assert!(bucket_name(bad).unwrap_err().contains("not a valid bucket name"), "{bad}");
        }
    }

    #[test]
    fn prefixes_and_ids() {
        assert_eq!(key_prefix("/site-a/"), Ok("site-a".into()));
        assert_eq!(key_prefix(""), Ok("".into()));
        assert!(key_prefix("a//b").is_err());
        assert!(key_prefix("../x").is_err());
        assert_eq!(camera_id("front-door"), Ok("front-door".into()));
        assert!(camera_id("../etc").is_err());
    }
}
