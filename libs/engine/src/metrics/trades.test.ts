import { tradeMetrics } from './trades';

describe('tradeMetrics on a hand-computed list', () => {
  /**
   * pnl KRW   100, −50, 200, −25, 0
   * pnl %       1, −0.5,  2, −0.25, 0
   * bars        1,   2,   3,   4,   5
   * fees        1,   1,   2,   1,   1
   */
  const m = tradeMetrics({
    pnl: [100, -50, 200, -25, 0], pnl_pct: [1, -0.5, 2, -0.25, 0], bars_held: [1, 2, 3, 4, 5], fees: [1, 1, 2, 1, 1],
  });
  it('counts: 2 wins, 2 losses, the zero trade is neither; win rate 2/5 = 0.4 (fraction)', () => {
    expect(m).toMatchObject({ trade_count: 5, wins: 2, losses: 2, win_rate: 0.4 });
  });
  it('profit factor = (100 + 200) / (50 + 25) = 4', () => {
    expect(m).toMatchObject({ gross_profit_krw: 300, gross_loss_krw: 75, net_pnl_krw: 225, profit_factor: 4 });
  });
  it('expectancy 225 / 5 = 45 KRW and 2.25 / 5 = 0.45 %', () => {
    expect(m.expectancy_krw).toBe(45);
    expect(m.expectancy_pct).toBeCloseTo(0.45, 14);
    expect(m.avg_trade_pct).toBeCloseTo(0.45, 14);
    // 0.4 × 1.5 (avg win %) + 0.6 × (−0.75 / 3, the mean of the non-wins) = 0.6 − 0.15 = 0.45
    expect(m.avg_win_pct).toBe(1.5);
    expect(m.avg_loss_pct).toBe(-0.375);
  });
  it('best 2 %, worst −0.5 %, average 3 bars held, fees 6 KRW', () => {
    expect(m).toMatchObject({ best_trade_pct: 2, worst_trade_pct: -0.5, avg_bars_held: 3, fees_paid_krw: 6 });
  });
  it('SQN = sqrt(5) × 45 / stdev; deviations 55, −95, 155, −70, −45 → Σ² 43,000 / 4 = 10,750', () => {
    // sqrt(5) × 45 / sqrt(10,750) = 45 / sqrt(2,150) = 45 / 46.3680924 = 0.9704950
    expect(m.sqn).toBeCloseTo(0.970495, 6);
  });
});

describe('null rules', () => {
  it('no trades: every average and ratio is null, counts are 0', () => {
    expect(tradeMetrics({ pnl: [], pnl_pct: [], bars_held: [], fees: [] })).toEqual({
      trade_count: 0, wins: 0, losses: 0, win_rate: null, gross_profit_krw: 0, gross_loss_krw: 0, net_pnl_krw: 0,
      profit_factor: null, expectancy_krw: null, expectancy_pct: null, avg_trade_pct: null, avg_win_pct: null,
      avg_loss_pct: null, best_trade_pct: null, worst_trade_pct: null, avg_bars_held: null, sqn: null, fees_paid_krw: 0,
    });
  });
  it('no losing trade: profit factor null (not Infinity); one trade: SQN null', () => {
    const m = tradeMetrics({ pnl: [10], pnl_pct: [1], bars_held: [1], fees: [0] });
    expect(m.profit_factor).toBeNull();
    expect(m.sqn).toBeNull();
    expect(m.win_rate).toBe(1);
  });
  it('identical trades: zero spread → SQN null', () => {
    expect(tradeMetrics({ pnl: [5, 5], pnl_pct: [1, 1], bars_held: [1, 1], fees: [0, 0] }).sqn).toBeNull();
  });
});
