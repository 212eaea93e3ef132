//! Values both binaries check the same way: S3 bucket names, key prefixes, camera ids and byte sizes.
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

/// Bytes, plain or with a suffix: `500M`, `10G`, `10Gi`, `10GiB`, `1T`. Decimal suffixes are powers of
/// 1000 and `i` suffixes powers of 1024, as in Kubernetes quantities.
pub fn byte_size(text: &str) -> Result<u64, String> {
    let hint = || format!("'{text}' is not a size; write it like 10Gi, 500M or 1073741824");
    let trimmed = text.trim().trim_end_matches(['B', 'b']);
    let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let number: u64 = number.parse().map_err(|_| hint())?;
    let multiplier: u64 = match suffix {
        "" => 1,
        "k" | "K" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        _ => return Err(hint()),
    };
    number.checked_mul(multiplier).ok_or_else(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_decimal_and_binary_suffixes() {
        assert_eq!(byte_size("1024"), Ok(1024));
        assert_eq!(byte_size("10Gi"), Ok(10 << 30));
        assert_eq!(byte_size("10GiB"), Ok(10 << 30));
        assert_eq!(byte_size("500M"), Ok(500_000_000));
        assert!(byte_size("10 apples").is_err());
        assert!(byte_size("99999999999T").is_err());
    }

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
