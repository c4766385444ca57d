package phone

import "testing"

func TestNormal(t *testing.T) {
	for _, c := range []struct{ raw, region, want string }{
		{"(555) 481-0380", "US", "+15554810380"},
		{"+1 555 481 0380", "US", "+15554810380"},
		{"+1 555 481 0380", "", "+15554810380"},
		{"1-555-481-0380", "US", "+15554810380"},
		{"030 1234567", "DE", "+49301234567"},
		{"+49 30 1234567", "US", "+49301234567"},
		{"138 0013 8000", "CN", "+8613800138000"},
		{"(555) 481-0380", "", "5554810380"}, // no country: digits
		{"12", "US", ""},
		{"", "US", ""},
	} {
		if got := Normal(c.raw, c.region); got != c.want {
			t.Errorf("Normal(%q, %q) = %q, want %q", c.raw, c.region, got, c.want)
		}
	}
}

func TestPrefix(t *testing.T) {
	for _, c := range []struct{ text, region, want string }{
		{"555 48", "US", "+155548"},
		{"(555) 481", "US", "+1555481"},
		{"+44 20", "US", "+4420"},
		{"030 12", "DE", "+493012"},
		{"55", "US", ""},
		{"acme 555", "US", ""},
		{"5554", "", "5554"},
	} {
		if got := Prefix(c.text, c.region); got != c.want {
			t.Errorf("Prefix(%q, %q) = %q, want %q", c.text, c.region, got, c.want)
		}
	}
}
