;; The full-text search kernel: finds a needle in bytes ignoring ASCII case, 16 bytes a step
;; with WebAssembly SIMD. `npm run build:wasm` compiles it into fold-search-wasm.ts (committed,
;; so the package needs no compiler at install or run time; a test checks the two agree).
;;
;; The needle is stored with its ASCII letters in lower case. A block is tested at once for
;; "the needle's first byte here and its last byte m-1 further on" (Muła's generic SIMD
;; substring search); only those candidates are compared in full. A letter compares with bit
;; 0x20 forced on in the haystack byte, which is exactly "either case" (b | 0x20 = 'r' only for
;; 'r' and 'R'); any other byte compares exactly.
(module
  (memory (export "memory") 1)

  (func $fold (param $c i32) (result i32)
    (select
      (i32.or (local.get $c) (i32.const 32))
      (local.get $c)
      (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26))))

  (func $letterBit (param $c i32) (result i32)
    (select (i32.const 32) (i32.const 0)
      (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))))

  ;; 1 when the m bytes at $p, folded, are the needle at $ndl.
  (func $same (param $p i32) (param $ndl i32) (param $m i32) (result i32)
    (local $k i32)
    (block $equal
      (loop $next
        (br_if $equal (i32.ge_u (local.get $k) (local.get $m)))
        (if (i32.ne
              (call $fold (i32.load8_u (i32.add (local.get $p) (local.get $k))))
              (i32.load8_u (i32.add (local.get $ndl) (local.get $k))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; The first position p in [$from, $end - $m] where the needle ($m >= 1 bytes at $ndl) starts, or -1.
  (func (export "find") (param $from i32) (param $end i32) (param $ndl i32) (param $m i32) (result i32)
    (local $first i32) (local $last i32)
    (local $vf v128) (local $vl v128) (local $vmf v128) (local $vml v128)
    (local $i i32) (local $stop i32) (local $mask i32) (local $p i32) (local $lastAt i32)
    (if (i32.gt_s (i32.add (local.get $from) (local.get $m)) (local.get $end))
      (then (return (i32.const -1))))
    (local.set $first (i32.load8_u (local.get $ndl)))
    (local.set $lastAt (i32.sub (local.get $m) (i32.const 1)))
    (local.set $last (i32.load8_u (i32.add (local.get $ndl) (local.get $lastAt))))
    (local.set $vf (i8x16.splat (local.get $first)))
    (local.set $vl (i8x16.splat (local.get $last)))
    (local.set $vmf (i8x16.splat (call $letterBit (local.get $first))))
    (local.set $vml (i8x16.splat (call $letterBit (local.get $last))))
    (local.set $i (local.get $from))
    ;; Whole blocks while both loads stay inside: i + m - 1 + 16 <= end.
    (local.set $stop (i32.sub (i32.sub (local.get $end) (local.get $m)) (i32.const 15)))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.gt_s (local.get $i) (local.get $stop)))
        (local.set $mask
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (v128.or (v128.load align=1 (local.get $i)) (local.get $vmf)) (local.get $vf))
              (i8x16.eq
                (v128.or (v128.load align=1 (i32.add (local.get $i) (local.get $lastAt))) (local.get $vml))
                (local.get $vl)))))
        (block $candidatesDone
          (loop $candidates
            (br_if $candidatesDone (i32.eqz (local.get $mask)))
            (local.set $p (i32.add (local.get $i) (i32.ctz (local.get $mask))))
            (if (call $same (local.get $p) (local.get $ndl) (local.get $m))
              (then (return (local.get $p))))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $candidates)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $blocks)))
    ;; The last few positions one by one.
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.gt_s (i32.add (local.get $i) (local.get $m)) (local.get $end)))
        (if (call $same (local.get $i) (local.get $ndl) (local.get $m))
          (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (i32.const -1))
)
