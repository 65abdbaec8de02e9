import { ParquetCandleStore } from './store';
import { describeCandleSourceContract } from '../test/candle-source-contract';
import { tempDir } from '../test/helpers';

const tmp = tempDir('contract');
afterAll(() => tmp.cleanup());

describeCandleSourceContract('ParquetCandleStore', async (symbol, timeframe, candles) => {
  const store = new ParquetCandleStore({ root: tmp.sub('root'), fsync: false });
  await store.merge(symbol, timeframe, candles);
  return store;
});
