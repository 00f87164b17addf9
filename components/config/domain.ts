// Host names and Route 53 zone ids, judged once where they enter. Generic: any part of the stack
// that serves names (the load balancer's certificate on ecs, HTTPS on the host) uses these rules.

/** A problem with one host name: why, and the exact fix. */
export interface NameProblem {
  why: string;
  fix: string;
}

/** Longest DNS name (RFC 1035, without the trailing dot) and label. */
const MAX_NAME = 253;
const MAX_LABEL = 63;

/**
 * Why `name` cannot be served and certified as written, or undefined. `wildcard` says whether the
 * certificate can be validated for `*.example.com` (DNS validation can; HTTP-01 cannot, as an ACME
 * server issues wildcards only through DNS-01).
 */
export function hostNameProblem(name: string, opts: { wildcard: boolean }): NameProblem | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(name);
  const bare = name.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/[/?#].*$/, "").replace(/:\d*$/, "");
  if (scheme) return { why: `has a scheme (${scheme[1]}://): give the host name only`, fix: `use ${bare}` };
  if (/[/?#]/.test(name)) return { why: "has a path: give the host name only", fix: `use ${bare}` };
  if (/:\d*$/.test(name)) return { why: "has a port: the site is served on 80/443", fix: `use ${bare}` };
  if (name.endsWith(".")) return { why: "ends with a dot", fix: `use ${name.replace(/\.+$/, "")}` };
  if (name !== name.toLowerCase()) {
    return { why: "has uppercase letters (names are stored lowercase)", fix: `use ${name.toLowerCase()}` };
  }
  const labels = name.split(".");
  if (labels[0] === "*") {
    if (!opts.wildcard) {
      return { why: "is a wildcard, which HTTP-01 validation cannot certify",
        fix:
          "list each name instead (e.g. www.example.com), or set hostedZoneId so the certificate is validated through DNS" };
    }
    labels.shift();
  }
  if (labels.some((l) => l.includes("*"))) {
    return { why: "has a * that is not the whole first label",
      fix: "write a wildcard as *.example.com, or list the names" };
  }
  if (name.length > MAX_NAME) return { why: `is longer than ${MAX_NAME} characters`, fix: "use a shorter name" };
  if (labels.length < 2) {
    return { why: "is not a fully qualified name (it has no dot)", fix: "use the full name, e.g. app.example.com" };
  }
  if (/^\d+$/.test(labels[labels.length - 1])) {
    return { why: "is an IP address, not a host name", fix: "use a host name that resolves to the site" };
  }
  for (const label of labels) {
    if (!/^[a-z0-9-]+$/.test(label)) {
      return {
        why: `has the label "${label}" with characters other than a-z, 0-9 and - (write IDNs in punycode, xn--…)`,
        fix: "use letters, digits and hyphens only",
      };
    }
    if (label.length > MAX_LABEL) {
      return { why: `has a label longer than ${MAX_LABEL} characters`, fix: "shorten that label" };
    }
    if (label.startsWith("-") || label.endsWith("-")) {
      return { why: `has the label "${label}" starting or ending with a hyphen`, fix: "remove the hyphen" };
    }
  }
  return undefined;
}

/** Why `id` is not a Route 53 hosted zone id, or undefined. */
export function hostedZoneIdProblem(id: string): NameProblem | undefined {
  if (/^\/hostedzone\//.test(id)) {
    return { why: "has the /hostedzone/ prefix of the API's path", fix: `use ${id.replace(/^\/hostedzone\//, "")}` };
  }
  if (!/^Z[A-Z0-9]{1,31}$/.test(id)) {
    return { why: "is not a hosted zone id (Z followed by uppercase letters and digits)",
      fix: "use the Id shown by `aws route53 list-hosted-zones` without /hostedzone/" };
  }
  return undefined;
}
