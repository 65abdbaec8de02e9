// A plugin module as the apps load it (COINHTS_STRATEGY_MODULES / --strategy-module): its only
// export is the default one, with no `strategies` array. Same computation as sma_crossover under
// another name, so a sweep of it must give sma_crossover's rows.
import { smaCrossover } from '../strategies';

export default { ...smaCrossover, name: 'plugin_sma_default' };
