import { DataType, type Field } from 'apache-arrow';
import { toPlainValue } from './plain-value.ts';

/**
 * An Arrow value made JSON-friendly by its column type, as {@link toPlainValue} does for Parquet: timestamps and
 * dates become ISO strings (Arrow gives them as epoch milliseconds), structs and maps plain objects, lists plain
 * arrays, dictionary-encoded values their value; the rest goes through {@link toPlainValue}.
 *
 * ## Example
 * ```ts
 * arrowValue(0, new TimestampMillisecond()); // '1970-01-01T00:00:00.000Z'
 * ```
 */
export function arrowValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (DataType.isDictionary(type)) return arrowValue(value, type.dictionary);
  if (DataType.isTimestamp(type) || DataType.isDate(type)) {
    const date = value instanceof Date ? value : new Date(Number(value));
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  if (DataType.isStruct(type)) {
    const fields = (value as { toJSON(): Record<string, unknown> }).toJSON();
    return Object.fromEntries(type.children.map((child: Field) => [child.name, arrowValue(fields[child.name], child.type)]));
  }
  if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type)) {
    const itemType = type.children[0]!.type;
    return Array.from(value as Iterable<unknown>, (item) => arrowValue(item, itemType));
  }
  if (DataType.isMap(type)) {
    const valueType = type.children[0]!.type.children[1]!.type;
    return Object.fromEntries(Array.from(value as Iterable<[unknown, unknown]>, ([key, item]) => [String(key), arrowValue(item, valueType)]));
  }
  return toPlainValue(value);
}
