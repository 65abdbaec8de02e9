import { IndicatorError, IndicatorErrorCode, InputLengthMismatchError, InvalidIndicatorParamError, NonFiniteInputError } from './errors';
import { MAX_PERIOD } from './params';
import { Rsi } from './rsi';
import { sma } from './sma';

describe('errors', () => {
  test('one base class, literal names and codes, typed context', () => {
    const errors: IndicatorError[] = [
      new InvalidIndicatorParamError('Sma', 'period', 0, 1, MAX_PERIOD, true),
      new NonFiniteInputError('Sma', 'value', 3, NaN),
      new InputLengthMismatchError('Atr', { high: 2, low: 1 }),
    ];
    expect(errors.map((e) => [e instanceof IndicatorError, e instanceof Error, e.name, e.code])).toEqual([
      [true, true, 'InvalidIndicatorParamError', 'INVALID_INDICATOR_PARAM'],
      [true, true, 'NonFiniteInputError', 'NON_FINITE_INPUT'],
      [true, true, 'InputLengthMismatchError', 'INPUT_LENGTH_MISMATCH'],
    ]);
    expect(Object.values(IndicatorErrorCode).sort()).toEqual(errors.map((e) => e.code).sort());
  });

  test('messages name the indicator, the parameter and the allowed range', () => {
    expect(() => sma([1, 2], 0)).toThrow(`Sma: period must be an integer in [1, ${MAX_PERIOD}], got 0`);
    expect(() => new Rsi(14.5)).toThrow('Rsi: period must be an integer in [1, 16777216], got 14.5');
    expect(() => sma([1, NaN], 1)).toThrow('Sma: value at index 1 must be a finite number, got NaN');
  });
});
