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

{{/* Where every pod mounts the mesh Secret. */}}
{{- define "nasmesh.meshDir" -}}/var/run/nasmesh/mesh{{- end -}}

{{/* The flags of a gRPC server and its own calls: TLS with the mesh's certificate, or --insecure. */}}
{{- define "nasmesh.grpcSecurityArgs" -}}
{{- if .Values.security.insecure }}
- --insecure
{{- else }}
- --tls-cert={{ include "nasmesh.meshDir" . }}/tls.crt
- --tls-key={{ include "nasmesh.meshDir" . }}/tls.key
- --tls-ca={{ include "nasmesh.meshDir" . }}/ca.crt
- --tls-server-name=nasmesh-mesh
{{- end }}
{{- end -}}

{{/* The flags of a NATS client: TLS with the mesh's certificate and the NATS user's password. */}}
{{- define "nasmesh.natsSecurityArgs" -}}
{{- if not .Values.security.insecure }}
- --nats-ca={{ include "nasmesh.meshDir" . }}/ca.crt
- --nats-cert={{ include "nasmesh.meshDir" . }}/tls.crt
- --nats-key={{ include "nasmesh.meshDir" . }}/tls.key
- --nats-user=nasmesh
- --nats-password-file={{ include "nasmesh.meshDir" . }}/nats-password
{{- end }}
{{- end -}}

{{/* The mesh Secret's volume and mount, when the mesh is secured. */}}
{{- define "nasmesh.meshVolume" -}}
{{- if not .Values.security.insecure }}
- name: mesh
  secret: {secretName: {{ include "nasmesh.fullname" . }}-mesh, defaultMode: 0440}
{{- end }}
{{- end -}}
{{- define "nasmesh.meshMount" -}}
{{- if not .Values.security.insecure }}
- {name: mesh, mountPath: {{ include "nasmesh.meshDir" . }}, readOnly: true}
{{- end }}
{{- end -}}

{{/* Readiness: gRPC probes speak no TLS, so a TLS server is probed at its metrics port's /readyz. */}}
{{- define "nasmesh.readinessProbe" -}}
{{- if .root.Values.security.insecure }}
grpc: {port: {{ .grpc }}}
{{- else }}
httpGet: {path: /readyz, port: metrics}
{{- end }}
periodSeconds: 2
{{- end -}}
