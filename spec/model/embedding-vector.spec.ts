import { expect, test } from 'vitest';
import { float32FromBase64, float32ToBase64, toFloat32Array } from '../../lib/model/embedding-vector.ts';

test('base64 float32 round-trips, also from a Buffer at an odd offset of its pool', () => {
  const vector = new Float32Array([1.5, -0.25, 3e-8]);
  const text = float32ToBase64(vector);
  expect(text).toBe(Buffer.from(new Uint8Array(vector.buffer)).toString('base64'));
  expect(float32FromBase64(text)).toEqual(vector);
  const view = new Float32Array(new Float32Array([9, 1.5, -0.25, 3e-8]).buffer, 4, 3);
  expect(float32FromBase64(float32ToBase64(view))).toEqual(vector);
  expect(float32FromBase64('AAA=')).toBeUndefined();
});

test('numbers become a Float32Array; a Float32Array is kept as it is', () => {
  const vector = new Float32Array([1, 2]);
  expect(toFloat32Array(vector)).toBe(vector);
  expect(toFloat32Array([1, 2])).toEqual(vector);
});
