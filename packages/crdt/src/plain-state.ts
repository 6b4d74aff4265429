/**
 * The serialised form of a CRDT given either as an instance (of this or another copy of the
 * package, hence the duck typing) or already as plain state.
 */
export function plainState(other: unknown): unknown {
  if (typeof other === 'object' && other !== null && 'toJSON' in other && typeof other.toJSON === 'function') {
    return (other as { toJSON(): unknown }).toJSON();
  }
  return other;
}
