package pipeline

import "math/bits"

// Prob is a probability in basis points: 0 is 0 %, 10000 is 100 %.
type Prob int32

// ProbOne is a probability of 100 %.
const ProbOne Prob = 10000

// PercentProb converts a whole percentage to a Prob, clamped to 0–100 %.
func PercentProb(pct int) Prob {
	if pct <= 0 {
		return 0
	}
	if pct >= 100 {
		return ProbOne
	}
	return Prob(pct * 100)
}

// clampProb keeps p within 0–100 %.
func clampProb(p Prob) Prob {
	if p < 0 {
		return 0
	}
	if p > ProbOne {
		return ProbOne
	}
	return p
}

// Float returns p as a fraction in [0, 1].
func (p Prob) Float() float64 { return float64(clampProb(p)) / float64(ProbOne) }

// probFromFloat rounds a fraction to the nearest basis point, clamped.
func probFromFloat(x float64) Prob {
	if !(x > 0) { // also catches NaN
		return 0
	}
	if x >= 1 {
		return ProbOne
	}
	return clampProb(Prob(x*float64(ProbOne) + 0.5))
}

// WeightedValue returns value × p in cents, rounded to the nearest cent with
// halves rounded up. A negative value counts as zero. The product is computed
// in 128 bits, so it never overflows, and the result never exceeds value.
func WeightedValue(value int64, p Prob) int64 {
	if value <= 0 {
		return 0
	}
	p = clampProb(p)
	hi, lo := bits.Mul64(uint64(value), uint64(p))
	lo, carry := bits.Add64(lo, uint64(ProbOne/2), 0)
	hi += carry
	q, _ := bits.Div64(hi, lo, uint64(ProbOne))
	return int64(q)
}

// money clamps a project value: a negative value counts as zero.
func money(v int64) int64 {
	if v < 0 {
		return 0
	}
	return v
}

// ratio returns num/den, or 0 when den is zero (no NaN or Inf).
func ratio(num, den float64) float64 {
	if den == 0 || num != num || den != den {
		return 0
	}
	r := num / den
	if r != r || r > 1e300 || r < -1e300 {
		return 0
	}
	return r
}

// ratio01 is ratio clamped to [0, 1].
func ratio01(num, den float64) float64 {
	r := ratio(num, den)
	if r < 0 {
		return 0
	}
	if r > 1 {
		return 1
	}
	return r
}

// roundDiv returns num/den rounded to the nearest integer (halves away from
// zero), or 0 when den is zero.
func roundDiv(num, den int64) int64 {
	if den == 0 {
		return 0
	}
	if (num < 0) != (den < 0) {
		return -((abs64(num) + abs64(den)/2) / abs64(den))
	}
	return (abs64(num) + abs64(den)/2) / abs64(den)
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
