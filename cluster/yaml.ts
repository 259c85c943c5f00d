/**
 * A tiny YAML writer for the one document this project writes (docker-compose.yml), so the
 * generator needs no dependency. Keys starting with `#` become comment lines. Strings are
 * double-quoted (JSON escapes are valid YAML) unless they are plainly safe, so `yes`, `8080:8080`
 * or `${VAR}` can never be misread.
 */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

const PLAIN = /^[A-Za-z_/.][A-Za-z0-9_./-]*$/;
const RESERVED = new Set(['yes', 'no', 'true', 'false', 'on', 'off', 'null', 'y', 'n', '~']);

export function yamlScalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  return PLAIN.test(value) && !RESERVED.has(value.toLowerCase()) ? value : JSON.stringify(value);
}

function isScalar(value: YamlValue): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

function isEmpty(value: YamlValue): boolean {
  return Array.isArray(value) ? value.length === 0 : !isScalar(value) && Object.keys(value).length === 0;
}

function lines(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item: YamlValue) => {
      if (isScalar(item)) return [`${indent}- ${yamlScalar(item)}`];
      const inner = lines(item, `${indent}  `);
      return [`${indent}- ${inner[0].trimStart()}`, ...inner.slice(1)];
    });
  }
  const out: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, YamlValue>)) {
    if (key.startsWith('#')) {
      out.push(`${indent}# ${String(item)}`);
    } else if (isScalar(item)) {
      out.push(`${indent}${yamlScalar(key)}: ${yamlScalar(item)}`);
    } else if (isEmpty(item)) {
      out.push(`${indent}${yamlScalar(key)}: ${Array.isArray(item) ? '[]' : '{}'}`);
    } else {
      out.push(`${indent}${yamlScalar(key)}:`, ...lines(item, Array.isArray(item) ? `${indent}  ` : `${indent}  `));
    }
  }
  return out;
}

export function toYaml(document: { readonly [key: string]: YamlValue }): string {
  return `${lines(document, '').join('\n')}\n`;
}
