import type { JsonSchema } from '@troupe/core';
import { resolveReference, type SchemaNode } from '@troupe/core/internal';

const maximumDepth = 32;

function allowsNull(schema: SchemaNode, root: SchemaNode, depth: number): boolean {
  if (depth > maximumDepth) return true;
  if (typeof schema.$ref === 'string') {
    const target = resolveReference(schema.$ref, root);
    return target === undefined || allowsNull(target, root, depth + 1);
  }
  if (schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'))) return true;
  if (schema.nullable === true || schema.const === null) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  const members = [...((schema.anyOf as unknown[]) ?? []), ...((schema.oneOf as unknown[]) ?? [])];
  if (
    members.some(
      (member) => typeof member === 'object' && member !== null && allowsNull(member as SchemaNode, root, depth + 1),
    )
  ) {
    return true;
  }
  // No type constraint at all (z.unknown()) accepts null as a value.
  return (
    schema.type === undefined &&
    members.length === 0 &&
    schema.enum === undefined &&
    schema.const === undefined &&
    schema.$ref === undefined &&
    schema.properties === undefined &&
    schema.items === undefined
  );
}

function strip(schema: SchemaNode, value: unknown, context: { root: SchemaNode; depth: number }): unknown {
  if (context.depth > maximumDepth || value === null || typeof value !== 'object') return value;
  let node = schema;
  if (typeof node.$ref === 'string') node = resolveReference(node.$ref, context.root) ?? {};
  const next = { root: context.root, depth: context.depth + 1 };
  if (Array.isArray(value)) {
    const items = node.items;
    if (items === null || typeof items !== 'object' || Array.isArray(items)) return value;
    const mapped = value.map((item) => strip(items as SchemaNode, item, next));
    return mapped.every((item, index) => item === value[index]) ? value : mapped;
  }
  const properties = node.properties as Record<string, SchemaNode> | undefined;
  if (properties === undefined || typeof properties !== 'object') return value;
  const required = new Set(Array.isArray(node.required) ? (node.required as unknown[]) : []);
  const result: Record<string, unknown> = {};
  let changed = false;
  for (const [key, item] of Object.entries(value)) {
    const property = properties[key];
    if (property === undefined) result[key] = item;
    else if (item === null && !required.has(key) && !allowsNull(property, context.root, 0)) changed = true;
    else {
      result[key] = strip(property, item, next);
      if (result[key] !== item) changed = true;
    }
  }
  return changed ? result : value;
}

/**
 * The arguments (the same object when nothing changes) without the `null`s a model sent for optional properties that do not accept null.
 * Models in strict schema modes (OpenAI strict, where every property is required and an optional
 * one is spelled nullable) say "absent" that way; the tool's own schema says "leave it out".
 */
export function dropNullOptionals(schema: JsonSchema, value: unknown): unknown {
  return strip(schema, value, { root: schema, depth: 0 });
}
