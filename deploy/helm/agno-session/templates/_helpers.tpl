{{/* Chart name, truncated to the 63-character DNS label limit. */}}
{{- define "agno-session.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name; the release name alone when it already contains the chart name. */}}
{{- define "agno-session.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "agno-session.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "agno-session.labels" -}}
helm.sh/chart: {{ include "agno-session.chart" . }}
{{ include "agno-session.selectorLabels" . }}
app.kubernetes.io/version: {{ (default .Chart.AppVersion .Values.image.tag) | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Immutable once deployed: never add values that change between upgrades. */}}
{{- define "agno-session.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agno-session.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "agno-session.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "agno-session.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the pods read DSNs from: the user's, or the one this chart renders. */}}
{{- define "agno-session.secretName" -}}
{{- default (include "agno-session.fullname" .) .Values.config.existingSecret }}
{{- end }}

{{/* Fails the render when no DSN source is set: the image has no embedded PostgreSQL. */}}
{{- define "agno-session.requireDsn" -}}
{{- if not (or .Values.config.existingSecret .Values.config.dsnMap .Values.config.dsn) }}
{{- fail "set config.dsn, config.dsnMap or config.existingSecret: the image has no embedded PostgreSQL" }}
{{- end }}
{{- end }}
