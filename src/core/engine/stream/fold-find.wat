;; Finds any of a few short byte strings in a long one, ASCII letters case aside where asked, 16 bytes
;; at a time (WebAssembly SIMD), in one pass: the search of held steps scans every byte of the file
;; for a query's core and for the bytes that may hide it (line-needle.ts), and V8's own searches (a
;; regex with the i flag, Buffer.indexOf) pass about 1.5 GB/s on one core, one needle at a time.
;;
;; The caller writes the needles in the memory's first page (fold-find.ts):
;;   0: the number of needles (1 to 4)
;;   4: the index of the needle the last `find` found (written by `find`)
;;   8: the longest needle's length
;;   64 + 80 j: needle j: four v128, its first byte and that byte's mask, its last byte and that
;;     byte's mask, each in all 16 lanes; then the address of its bytes (i32) and its length (i32)
;;   the needle's bytes at that address, followed by one mask per byte.
;; A needle byte c with mask 0x20 is a lower-case ASCII letter and matches c and c - 0x20 (its upper
;; case); with mask 0 it matches only itself. So a haystack byte b matches when (b | mask) == c:
;; exactly the ASCII case folding of a regex's i flag on latin1 text.
;;
;; A slot without a needle has length 1, first and last byte 0 and masks 0xff: it never agrees.
;; Each block of 16 positions is compared with every needle's first and last bytes; only where one
;; agrees is that needle checked whole (W. Mula's "SIMD-friendly algorithms for substring
;; searching"). The compiled module is fold-find-wasm.ts (`node scripts/gen-wasm.mjs` writes it).
(module
  (memory (export "memory") 1)

  ;; Whether needle j (its bytes, then its masks) is at address p.
  (func $matchesAt (param $p i32) (param $j i32) (result i32)
    (local $bytes i32) (local $n i32) (local $k i32)
    (local.set $bytes (i32.load offset=128 (i32.mul (local.get $j) (i32.const 80))))
    (local.set $n (i32.load offset=132 (i32.mul (local.get $j) (i32.const 80))))
    (block $no
      (loop $next
        (br_if $no
          (i32.ne
            (i32.or (i32.load8_u (i32.add (local.get $p) (local.get $k)))
                    (i32.load8_u (i32.add (i32.add (local.get $bytes) (local.get $n)) (local.get $k))))
            (i32.load8_u (i32.add (local.get $bytes) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $k) (local.get $n))))
      (return (i32.const 1)))
    (i32.const 0))

  ;; The first needle (in order) at offset `at` of the haystack that fits before `len` and matches
  ;; there, written at address 4; whether there was one.
  (func $anyAt (param $hay i32) (param $len i32) (param $at i32) (result i32)
    (local $j i32)
    (block $none
      (loop $next
        (br_if $none (i32.ge_u (local.get $j) (i32.load (i32.const 0))))
        (if (i32.le_s (i32.add (local.get $at) (i32.load offset=132 (i32.mul (local.get $j) (i32.const 80)))) (local.get $len))
          (then
            (if (call $matchesAt (i32.add (local.get $hay) (local.get $at)) (local.get $j))
              (then
                (i32.store (i32.const 4) (local.get $j))
                (return (i32.const 1))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
    (i32.const 0))

;; The first position in [hay + from, hay + len) where a needle starts: its offset from hay (the
  ;; needle's index at address 4), or -1. Reads no byte outside [hay, hay + len). Four needle slots,
  ;; in locals for the whole scan; a slot with no needle (first byte 0, mask 0xff) never agrees.
  (func (export "find") (param $hay i32) (param $len i32) (param $from i32) (result i32)
    (local $i i32) (local $p i32) (local $bits i32) (local $at i32) (local $longest i32)
    (local $l0 i32) (local $l1 i32) (local $l2 i32) (local $l3 i32)
    (local $f0 v128) (local $fm0 v128) (local $z0 v128) (local $zm0 v128)
    (local $f1 v128) (local $fm1 v128) (local $z1 v128) (local $zm1 v128)
    (local $f2 v128) (local $fm2 v128) (local $z2 v128) (local $zm2 v128)
    (local $f3 v128) (local $fm3 v128) (local $z3 v128) (local $zm3 v128)
    (local $v v128)
    (local.set $f0 (v128.load (i32.const 64))) (local.set $fm0 (v128.load (i32.const 80)))
    (local.set $z0 (v128.load (i32.const 96))) (local.set $zm0 (v128.load (i32.const 112)))
    (local.set $l0 (i32.sub (i32.load (i32.const 132)) (i32.const 1)))
    (local.set $f1 (v128.load (i32.const 144))) (local.set $fm1 (v128.load (i32.const 160)))
    (local.set $z1 (v128.load (i32.const 176))) (local.set $zm1 (v128.load (i32.const 192)))
    (local.set $l1 (i32.sub (i32.load (i32.const 212)) (i32.const 1)))
    (local.set $f2 (v128.load (i32.const 224))) (local.set $fm2 (v128.load (i32.const 240)))
    (local.set $z2 (v128.load (i32.const 256))) (local.set $zm2 (v128.load (i32.const 272)))
    (local.set $l2 (i32.sub (i32.load (i32.const 292)) (i32.const 1)))
    (local.set $f3 (v128.load (i32.const 304))) (local.set $fm3 (v128.load (i32.const 320)))
    (local.set $z3 (v128.load (i32.const 336))) (local.set $zm3 (v128.load (i32.const 352)))
    (local.set $l3 (i32.sub (i32.load (i32.const 372)) (i32.const 1)))
    (local.set $longest (i32.load (i32.const 8)))
    (local.set $i (local.get $from))
    ;; 16 positions at a time while the 16 last bytes the longest needle needs are inside the haystack.
    (block $tail
      (loop $block
        (br_if $tail (i32.gt_s (i32.add (i32.add (local.get $i) (local.get $longest)) (i32.const 15)) (local.get $len)))
        (local.set $p (i32.add (local.get $hay) (local.get $i)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $bits
          (i8x16.bitmask
            (v128.or
              (v128.or
                (v128.and (i8x16.eq (v128.or (local.get $v) (local.get $fm0)) (local.get $f0))
                          (i8x16.eq (v128.or (v128.load (i32.add (local.get $p) (local.get $l0))) (local.get $zm0)) (local.get $z0)))
                (v128.and (i8x16.eq (v128.or (local.get $v) (local.get $fm1)) (local.get $f1))
                          (i8x16.eq (v128.or (v128.load (i32.add (local.get $p) (local.get $l1))) (local.get $zm1)) (local.get $z1))))
              (v128.or
                (v128.and (i8x16.eq (v128.or (local.get $v) (local.get $fm2)) (local.get $f2))
                          (i8x16.eq (v128.or (v128.load (i32.add (local.get $p) (local.get $l2))) (local.get $zm2)) (local.get $z2)))
                (v128.and (i8x16.eq (v128.or (local.get $v) (local.get $fm3)) (local.get $f3))
                          (i8x16.eq (v128.or (v128.load (i32.add (local.get $p) (local.get $l3))) (local.get $zm3)) (local.get $z3)))))))
        (block $checked
          (loop $candidate
            (br_if $checked (i32.eqz (local.get $bits)))
            (local.set $at (i32.add (local.get $i) (i32.ctz (local.get $bits))))
            (if (call $anyAt (local.get $hay) (local.get $len) (local.get $at))
              (then (return (local.get $at))))
            (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
            (br $candidate)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $block)))
    ;; The last positions, one at a time.
    (block $done
      (loop $one
        (br_if $done (i32.ge_s (local.get $i) (local.get $len)))
        (if (call $anyAt (local.get $hay) (local.get $len) (local.get $i))
          (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one)))
    (i32.const -1))
)
