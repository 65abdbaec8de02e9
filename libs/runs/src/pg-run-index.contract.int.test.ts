import { PgRunIndex } from '@coinhts/results';
import { createTestSchema, describeRunIndexContract } from './testing';

describeRunIndexContract('PgRunIndex (PostgreSQL)', async () => {
  const db = await createTestSchema('contract');
  return { index: new PgRunIndex(db.ds), close: () => db.drop() };
});
