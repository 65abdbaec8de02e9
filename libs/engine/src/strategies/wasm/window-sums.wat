;; O(window) sums of the VolumeZoneBreakout kernel, two candles per f64x2 vector.
;;
;; Built into window-sums.wasm.ts by `npm run build:wasm` (tools/scripts/build-wasm.cjs); a test
;; rebuilds it and checks the committed bytes. Every function performs exactly the operations of
;; the kernel's JavaScript loops, in the same order (lane 0 = the window's even positions, lane 1 =
;; the odd ones, a last odd candle added to lane 0's sums), so both give the same bits.
;;
;; Memory (imported): f64 slots at bytes 0, 8, 16 are the results, 24 and 32 the prices (passed in
;; memory, not as arguments: V8 boxes every f64 argument of a JS-to-wasm call it does not inline);
;; the columns are f64 arrays at the byte addresses given. hi = candle high, ih = 1 / (high − low),
;; v = volume.
(module
  (import "env" "memory" (memory 1))

  ;; C at two prices, with the + 1 of the clamp identity left out of the loop:
  ;;   s0 = Σ v·(|t0| − |t0 − 1|) + vol,  t0 = (hi − x0)·ih   (and s1 at x1);  vol = Σ v.
  ;; x0 from [24], x1 from [32]. Writes s0 to [0], s1 to [8], vol to [16]. count >= 1.
  (func (export "sum2") (param $hi i32) (param $ih i32) (param $v i32) (param $count i32)
    (local $x0 f64) (local $x1 f64) (local $i i32) (local $pairs i32)
    (local $X0 v128) (local $X1 v128) (local $one v128)
    (local $S0 v128) (local $S1 v128) (local $VOL v128)
    (local $H v128) (local $I v128) (local $V v128) (local $T v128)
    (local $s0 f64) (local $s1 f64) (local $vol f64) (local $h f64) (local $c f64) (local $w f64) (local $t f64)
    (local.set $x0 (f64.load (i32.const 24)))
    (local.set $x1 (f64.load (i32.const 32)))
    (local.set $X0 (f64x2.splat (local.get $x0)))
    (local.set $X1 (f64x2.splat (local.get $x1)))
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $pairs (i32.shl (i32.shr_u (local.get $count) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $pairs)))
        (local.set $H (v128.load (i32.add (local.get $hi) (local.get $i))))
        (local.set $I (v128.load (i32.add (local.get $ih) (local.get $i))))
        (local.set $V (v128.load (i32.add (local.get $v) (local.get $i))))
        (local.set $T (f64x2.mul (f64x2.sub (local.get $H) (local.get $X0)) (local.get $I)))
        (local.set $S0 (f64x2.add (local.get $S0)
          (f64x2.mul (local.get $V) (f64x2.sub (f64x2.abs (local.get $T)) (f64x2.abs (f64x2.sub (local.get $T) (local.get $one)))))))
        (local.set $T (f64x2.mul (f64x2.sub (local.get $H) (local.get $X1)) (local.get $I)))
        (local.set $S1 (f64x2.add (local.get $S1)
          (f64x2.mul (local.get $V) (f64x2.sub (f64x2.abs (local.get $T)) (f64x2.abs (f64x2.sub (local.get $T) (local.get $one)))))))
        (local.set $VOL (f64x2.add (local.get $VOL) (local.get $V)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $s0 (f64x2.extract_lane 0 (local.get $S0)))
    (local.set $s1 (f64x2.extract_lane 0 (local.get $S1)))
    (local.set $vol (f64x2.extract_lane 0 (local.get $VOL)))
    ;; a last, unpaired candle joins the even lane
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (local.set $h (f64.load (i32.add (local.get $hi) (local.get $i))))
        (local.set $c (f64.load (i32.add (local.get $ih) (local.get $i))))
        (local.set $w (f64.load (i32.add (local.get $v) (local.get $i))))
        (local.set $t (f64.mul (f64.sub (local.get $h) (local.get $x0)) (local.get $c)))
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (local.get $w) (f64.sub (f64.abs (local.get $t)) (f64.abs (f64.sub (local.get $t) (f64.const 1)))))))
        (local.set $t (f64.mul (f64.sub (local.get $h) (local.get $x1)) (local.get $c)))
        (local.set $s1 (f64.add (local.get $s1)
          (f64.mul (local.get $w) (f64.sub (f64.abs (local.get $t)) (f64.abs (f64.sub (local.get $t) (f64.const 1)))))))
        (local.set $vol (f64.add (local.get $vol) (local.get $w)))))
    ;; vol += volOdd; s0 += s0Odd + vol; s1 += s1Odd + vol
    (local.set $vol (f64.add (local.get $vol) (f64x2.extract_lane 1 (local.get $VOL))))
    (f64.store (i32.const 0) (f64.add (local.get $s0) (f64.add (f64x2.extract_lane 1 (local.get $S0)) (local.get $vol))))
    (f64.store (i32.const 8) (f64.add (local.get $s1) (f64.add (f64x2.extract_lane 1 (local.get $S1)) (local.get $vol))))
    (f64.store (i32.const 16) (local.get $vol)))

  ;; C at one price, times 2:  Σ v·(|t| − |t − 1| + 1),  t = (hi − x)·ih, x from [24]; to [0].
  ;; count >= 1.
  (func (export "sum1") (param $hi i32) (param $ih i32) (param $v i32) (param $count i32)
    (local $x f64) (local $i i32) (local $pairs i32)
    (local $X v128) (local $one v128) (local $S v128) (local $T v128)
    (local $s f64) (local $t f64)
    (local.set $x (f64.load (i32.const 24)))
    (local.set $X (f64x2.splat (local.get $x)))
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $pairs (i32.shl (i32.shr_u (local.get $count) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $pairs)))
        (local.set $T (f64x2.mul (f64x2.sub (v128.load (i32.add (local.get $hi) (local.get $i))) (local.get $X))
          (v128.load (i32.add (local.get $ih) (local.get $i)))))
        (local.set $S (f64x2.add (local.get $S)
          (f64x2.mul (v128.load (i32.add (local.get $v) (local.get $i)))
            (f64x2.add (f64x2.sub (f64x2.abs (local.get $T)) (f64x2.abs (f64x2.sub (local.get $T) (local.get $one)))) (local.get $one)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $s (f64x2.extract_lane 0 (local.get $S)))
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (local.set $t (f64.mul (f64.sub (f64.load (i32.add (local.get $hi) (local.get $i))) (local.get $x))
          (f64.load (i32.add (local.get $ih) (local.get $i)))))
        (local.set $s (f64.add (local.get $s)
          (f64.mul (f64.load (i32.add (local.get $v) (local.get $i)))
            (f64.add (f64.sub (f64.abs (local.get $t)) (f64.abs (f64.sub (local.get $t) (f64.const 1)))) (f64.const 1)))))))
    (f64.store (i32.const 0) (f64.add (local.get $s) (f64x2.extract_lane 1 (local.get $S)))))
)
