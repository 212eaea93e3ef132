-- ArgoCD health check for cto-cameras.io/Camera: the argocd-cm key
-- resource.customizations.health.cto-cameras.io_Camera (examples/argocd-cm-health.yaml embeds this file).
-- Tested with Lua 5.1, as ArgoCD runs it, by packaging/tests/argocd_health.rs.
--
-- camera-operator reports three conditions: Ready (the recorder pod is available), Recording (the recorder
-- itself says frames arrive) and Degraded (something a person must fix). The Camera is:
--
--   Suspended    spec.enabled is false (the recorder is scaled to zero on purpose).
--   Progressing  no status yet, or the status is for an older generation (the operator has not caught up
--                with the last change); or not recording yet for a reason that passes by itself: Connecting,
--                NotDeployed (Ready: RecorderPending).
--   Degraded     Degraded is True for any reason but StreamMismatch (a missing Secret, a bad URL, the camera
--                refusing the password, uploads failing, ...); or Recording is False for any other reason
--                (CameraUnreachable, CameraAuthFailed, StreamStalled, RecorderFailed, RecorderNotReady).
--                A recorder is not ready exactly when it does not record, so a new Camera shows Degraded
--                (RecorderNotReady) for the seconds its pod takes to start.
--   Unknown      Recording is Unknown: the operator cannot read the recorder's /status and says it does not
--                know; ArgoCD has a status for exactly that.
--   Healthy      Recording is True. A StreamMismatch (the camera sends another resolution or frame rate than
--                the spec says) stays Healthy, named in the message: the footage is recorded as it comes, and
--                the CameraDegraded alert reports the mismatch.
local hs = {}

local function find(conditions, kind)
  for _, c in ipairs(conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function describe(c)
  local reason = c.reason or ""
  local message = c.message or ""
  if reason ~= "" and message ~= "" then
    return reason .. ": " .. message
  end
  return reason .. message
end

if obj.spec ~= nil and obj.spec.enabled == false then
  hs.status = "Suspended"
  hs.message = "Recording is disabled (spec.enabled: false); the recorder is scaled to zero"
  return hs
end

local status = obj.status
if status == nil or status.conditions == nil or #status.conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for camera-operator to report the Camera's status"
  return hs
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for camera-operator to apply generation " .. tostring(generation)
  return hs
end

local ready = find(status.conditions, "Ready")
local recording = find(status.conditions, "Recording")
local degraded = find(status.conditions, "Degraded")

if degraded ~= nil and degraded.status == "True" and degraded.reason ~= "StreamMismatch" then
  hs.status = "Degraded"
  hs.message = describe(degraded)
  return hs
end

if recording == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for camera-operator to report whether the camera records"
  return hs
end

if recording.status == "True" then
  hs.status = "Healthy"
  if degraded ~= nil and degraded.status == "True" then
    hs.message = "Recording, but " .. describe(degraded)
  else
    hs.message = describe(recording)
  end
  return hs
end

if recording.status == "Unknown" then
  hs.status = "Unknown"
  hs.message = describe(recording)
  return hs
end

-- Recording is False.
local passing = { Connecting = true, NotDeployed = true }
if passing[recording.reason] or (ready ~= nil and ready.reason == "RecorderPending") then
  hs.status = "Progressing"
  hs.message = describe(recording)
  return hs
end

hs.status = "Degraded"
hs.message = describe(recording)
return hs
