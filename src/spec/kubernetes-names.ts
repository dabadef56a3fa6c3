import { z } from 'zod';

/** Kubernetes object names: DNS-1123 labels (namespaces, and NASSearch names, which also become NATS subject tokens). */
export const dnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and dashes (a DNS-1123 label)');

/** Most other Kubernetes names (PersistentVolumeClaims, PriorityClasses): DNS-1123 subdomains. */
export const dnsSubdomain = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be lowercase letters, digits, dashes and dots (a DNS-1123 subdomain)',
  );
