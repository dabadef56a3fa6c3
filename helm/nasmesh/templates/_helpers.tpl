{{/* The release's name for its objects: the release name, or nameOverride. */}}
{{- define "nasmesh.fullname" -}}
{{- default .Release.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object: call with (dict "root" $ "component" "controller"). */}}
{{- define "nasmesh.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{ include "nasmesh.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end -}}

{{/* Labels that select a component's pods: call with (dict "root" $ "component" "controller"). */}}
{{- define "nasmesh.selectorLabels" -}}
app.kubernetes.io/name: nasmesh
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "nasmesh.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{- define "nasmesh.workerImage" -}}
{{ default (include "nasmesh.image" .) .Values.workerImage }}
{{- end -}}

{{/* The NATS every service and worker connects to. */}}
{{- define "nasmesh.natsUrl" -}}
{{- if .Values.nats.enabled -}}
nats://{{ include "nasmesh.fullname" . }}-nats.{{ .Release.Namespace }}.svc:4222
{{- else -}}
{{ required "nats.url is required when nats.enabled is false" .Values.nats.url }}
{{- end -}}
{{- end -}}

{{- define "nasmesh.controllerAddress" -}}
{{ include "nasmesh.fullname" . }}-controller.{{ .Release.Namespace }}.svc:50051
{{- end -}}

{{- define "nasmesh.serviceAccountName" -}}
{{ default (printf "%s-operator" (include "nasmesh.fullname" .)) .Values.serviceAccount.name }}
{{- end -}}

{{/* Pod annotations for Prometheus's annotation-based discovery. */}}
{{- define "nasmesh.scrapeAnnotations" -}}
{{- if .root.Values.metrics.scrapeAnnotations }}
annotations:
  prometheus.io/scrape: "true"
  prometheus.io/port: {{ .port | quote }}
{{- end }}
{{- end -}}

{{/* The downward API's pod IP, which every nasmesh server listens on. */}}
{{- define "nasmesh.podIpEnv" -}}
- name: POD_IP
  valueFrom: {fieldRef: {fieldPath: status.podIP}}
{{- end -}}
