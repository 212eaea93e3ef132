{{/*
Names. The release is usually called cto-cameras, which gives cto-cameras-operator for the operator's objects.
*/}}
{{- define "cto-cameras.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cto-cameras.operator.name" -}}
{{- printf "%s-operator" (include "cto-cameras.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The operator's HTTP port: /health, /ready, /metrics (operator::reconcile::build::HTTP_PORT). */}}
{{- define "cto-cameras.httpPort" -}}8080{{- end -}}

{{/* The user every image runs as (operator::reconcile::build::RECORDER_UID, USER in the Dockerfiles). */}}
{{- define "cto-cameras.uid" -}}65532{{- end -}}

{{- define "cto-cameras.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: cto-cameras
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "cto-cameras.operator.selectorLabels" -}}
app.kubernetes.io/name: camera-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cto-cameras.operator.labels" -}}
{{ include "cto-cameras.labels" . }}
{{ include "cto-cameras.operator.selectorLabels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "cto-cameras.operator.image" -}}
{{- printf "%s:%s" .Values.operator.image.repository (.Values.operator.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "cto-cameras.recorder.image" -}}
{{- printf "%s:%s" .Values.recorder.image.repository (.Values.recorder.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
Whether camera-playback is deployed: "true" or "false". Every playback template starts with it. A release
installed before the chart had playback has no playback values, and `helm upgrade --reuse-values` reuses the
old chart's values as they were: that fails here with the fix, instead of a nil pointer in some template.
*/}}
{{- define "cto-cameras.playback.enabled" -}}
{{- if not (hasKey .Values "playback") -}}
{{- fail "the values have no playback section: helm upgrade --reuse-values keeps the values of the chart version first installed, which had no camera-playback. Upgrade with --reset-then-reuse-values (Helm 3.14 or later) instead, or pass your values with -f." -}}
{{- end -}}
{{- .Values.playback.enabled | toString -}}
{{- end -}}

{{/* camera-playback: cto-cameras-playback for its Deployment, Service, ConfigMap, Ingress and budget. */}}
{{- define "cto-cameras.playback.name" -}}
{{- printf "%s-playback" (include "cto-cameras.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cto-cameras.playback.selectorLabels" -}}
app.kubernetes.io/name: camera-playback
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cto-cameras.playback.labels" -}}
{{ include "cto-cameras.labels" . }}
{{ include "cto-cameras.playback.selectorLabels" . }}
app.kubernetes.io/component: playback
{{- end -}}

{{- define "cto-cameras.playback.image" -}}
{{- printf "%s:%s" .Values.playback.image.repository (.Values.playback.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The Secret holding the viewer token (key "token"): the user's, or the one the chart generates. */}}
{{- define "cto-cameras.playback.tokenSecret" -}}
{{- .Values.playback.auth.tokenSecret | default (printf "%s-token" (include "cto-cameras.playback.name" .)) -}}
{{- end -}}

{{/* The S3 credentials Secret playback reads, in the release namespace. Empty: unsigned requests. */}}
{{- define "cto-cameras.playback.credentialsSecret" -}}
{{- .Values.playback.credentialsSecret | default .Values.s3.credentialsSecret -}}
{{- end -}}

{{/*
Checks what values.schema.json cannot express, with a message that names the value.
*/}}
{{- define "cto-cameras.validate" -}}
{{- if and (gt (int .Values.operator.replicas) 1) (not .Values.operator.leaderElection) -}}
{{- fail (printf "operator.replicas is %d but operator.leaderElection is false: several operators would fight over the same Cameras. Set operator.leaderElection=true or operator.replicas=1." (int .Values.operator.replicas)) -}}
{{- end -}}
{{- $d := .Values.recorder.segmentDuration -}}
{{- $n := int (trimSuffix "s" (trimSuffix "m" (trimSuffix "h" $d))) -}}
{{- $seconds := $n -}}
{{- if hasSuffix "m" $d }}{{ $seconds = mul $n 60 }}{{ end -}}
{{- if hasSuffix "h" $d }}{{ $seconds = mul $n 3600 }}{{ end -}}
{{- if or (lt (int $seconds) 10) (gt (int $seconds) 3600) -}}
{{- fail (printf "recorder.segmentDuration is %s: it must be between 10s and 60m (e.g. 15m or 30s)." $d) -}}
{{- end -}}
{{- with .Values.recorder.retention -}}
{{- if ne . "forever" -}}
{{- $n := int (trimSuffix "y" (trimSuffix "w" (trimSuffix "d" (trimSuffix "h" .)))) -}}
{{- $hours := $n -}}
{{- if hasSuffix "d" . }}{{ $hours = mul $n 24 }}{{ end -}}
{{- if hasSuffix "w" . }}{{ $hours = mul $n 168 }}{{ end -}}
{{- if hasSuffix "y" . }}{{ $hours = mul $n 8760 }}{{ end -}}
{{- if gt (int $hours) 87600 -}}
{{- fail (printf "recorder.retention is %s: it must be between 1h and 10y (e.g. 30d), or forever." .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (eq (include "cto-cameras.playback.enabled" .) "true") .Values.playback.ingress.enabled (not .Values.playback.ingress.hosts) -}}
{{- fail "playback.ingress.enabled is true but playback.ingress.hosts is empty: name the host(s) viewers open, e.g. --set 'playback.ingress.hosts={cameras.example.com}'." -}}
{{- end -}}
{{- end -}}
