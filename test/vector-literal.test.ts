import t from 'tap';
import { vectorLiteral } from '../src/chunk-index/vector-literal.js';
import { LocalEmbedder } from '../src/retrieval/local-embedder.js';
import { testApp } from './helpers/app.js';

const components = (literal: string): number[] => literal.slice(1, -1).split(',').map(Number);

t.test('a vector is written as its components rounded to six decimals, signs and whole parts kept', async (t) => {
  const vector = [0.1234564, -0.1234566, 1, -1, 0.0000004, -0.0000004, 0.5, -0.000001, 0.999_999_6, 0];
  t.same(components(vectorLiteral(vector)!), [0.123456, -0.123457, 1, -1, 0, 0, 0.5, -0.000001, 1, 0]);
  const embedded = new LocalEmbedder({ dimension: 64 }).embedOne('my jacket arrived torn, I want a refund');
  t.same(components(vectorLiteral(embedded)!), embedded.map((x) => Math.round(x * 1e6) / 1e6));
  t.equal(vectorLiteral([0, 0, 0]), null, 'the zero vector has no direction to search by');
});

t.test('the database reads the literal as the same vector', async (t) => {
  const { db } = await testApp(t);
  const embedded = new LocalEmbedder({ dimension: 128 }).embedOne('the promo code I was given is not working at checkout');
  const [row] = await db.query<{ stored: string }>('SELECT $1::vector::text AS stored', [vectorLiteral(embedded)]);
  const stored = components(row!.stored);
  t.equal(stored.length, 128);
  t.ok(stored.every((x, i) => Math.abs(x - embedded[i]!) <= 1e-6), 'every component within rounding of the embedding');
});
