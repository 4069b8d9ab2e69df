{{- define "gw.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gw.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "gw.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "gw.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "gw.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "gw.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "gw.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "gw.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gw.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the variables of secrets.env are read from: yours, or the chart's (when it has a value to hold). */}}
{{- define "gw.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else if include "gw.secretData" . }}
{{- include "gw.fullname" . }}
{{- end }}
{{- end }}

{{- define "gw.secretData" -}}
{{- range $name, $value := .Values.secrets.env }}
{{- if not (empty $value) }}
{{ $name }}: {{ toString $value | b64enc }}
{{- end }}
{{- end }}
{{- end }}

{{/* An env value as the gateway reads it: YAML numbers as integers (Helm reads them as floats: 1e+06), the rest as text. */}}
{{- define "gw.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) }}
{{- int64 . | toString | quote }}
{{- else }}
{{- toString . | quote }}
{{- end }}
{{- end }}

{{/* Where /metrics is served: its own port once the gateway has METRICS_PORT, else the API port. */}}
{{- define "gw.metricsOwnPort" -}}
{{- if and .Values.metrics.port (ne (int .Values.metrics.port) (int .Values.port)) }}true{{ end }}
{{- end }}

{{- define "gw.heapFlags" -}}
- --max-semi-space-size={{ int .Values.memory.maxSemiSpaceMiB }}
- --max-old-space-size={{ int .Values.memory.maxOldSpaceMiB }}
{{- end }}

{{- define "gw.memoryLimitMiB" -}}
{{- add (int .Values.memory.maxOldSpaceMiB) (mul 3 (int .Values.memory.maxSemiSpaceMiB)) (int .Values.memory.nonHeapMiB) }}
{{- end }}
