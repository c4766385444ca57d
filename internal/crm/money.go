package crm

import (
	"strings"
)

// MaxMoneyCents is the largest project value accepted: 1e12 in the tenant's
// currency (the schema allows more, the forms do not).
const MaxMoneyCents int64 = 1_000_000_000_000 * 100

// Money messages (catalog keys).
const (
	MsgMoneyInvalid  = "error.money_invalid"
	MsgMoneyNegative = "error.money_negative"
	MsgMoneyDecimals = "error.money_decimals"
	MsgMoneyTooLarge = "error.money_too_large"
)

// ParseMoney reads an amount typed by a person ("12,500.50", "12500.5",
// " 300 ") into integer cents. Commas are thousands separators and a single
// dot the decimal point; at most two decimals; not negative; at most 1e12.
// The empty string is 0. On failure it returns a message key.
func ParseMoney(s string) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ""
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, MsgMoneyNegative
	}
	s = strings.TrimPrefix(s, "+")
	intPart, frac, hasDot := strings.Cut(s, ".")
	if hasDot && strings.Contains(frac, ".") {
		return 0, MsgMoneyInvalid
	}
	if intPart == "" && frac == "" {
		return 0, MsgMoneyInvalid
	}
	// Thousands separators: groups of three digits after the first group.
	if strings.Contains(intPart, ",") {
		groups := strings.Split(intPart, ",")
		for i, g := range groups {
			if g == "" || len(g) > 3 || (i > 0 && len(g) != 3) {
				return 0, MsgMoneyInvalid
			}
		}
		intPart = strings.Join(groups, "")
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return 0, MsgMoneyInvalid
	}
	if len(frac) > 2 {
		return 0, MsgMoneyDecimals
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 13 {
		return 0, MsgMoneyTooLarge
	}
	var cents int64
	for _, c := range intPart {
		cents = cents*10 + int64(c-'0')
	}
	cents *= 100
	for i := 0; i < 2; i++ {
		d := int64(0)
		if i < len(frac) {
			d = int64(frac[i] - '0')
		}
		if i == 0 {
			cents += d * 10
		} else {
			cents += d
		}
	}
	if cents > MaxMoneyCents {
		return 0, MsgMoneyTooLarge
	}
	return cents, ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MoneyInput formats cents the way a form field shows them ("12500.50",
// "300"), so that ParseMoney reads it back unchanged.
func MoneyInput(cents int64) string {
	whole, frac := cents/100, cents%100
	s := itoa(whole)
	if frac != 0 {
		s += "." + string(rune('0'+frac/10)) + string(rune('0'+frac%10))
	}
	return s
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
