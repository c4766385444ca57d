package crm

import (
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "12500": 1250000, "12,500.50": 1250050, "12500.5": 1250050, ".5": 50,
		" 1 000 ": 100000, "999999999999.99": 99999999999999} {
		if got, ok := ParseMoney(in); !ok || got != want {
			t.Errorf("ParseMoney(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-5", "1.234", "1.", "abc", "1e5", "12.5.5", "$10", "１２", "9999999999999", "+1", "."} {
		if got, ok := ParseMoney(in); ok {
			t.Errorf("ParseMoney(%q) = %d, want an error", in, got)
		}
	}
}

func TestPercentBP(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "7.5": 750, "12.25": 1225, "100": 10000, "3 %": 300, "0.01": 1} {
		if got, ok := ParsePercentBP(in); !ok || got != want {
			t.Errorf("ParsePercentBP(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"100.01", "-1", "1,5", "12.345", "abc", ""} {
		if _, ok := ParsePercentBP(in); ok {
			t.Errorf("ParsePercentBP(%q) accepted", in)
		}
	}
	for bp, want := range map[int]string{0: "0", 750: "7.5", 1225: "12.25", 10000: "100", 5: "0.05"} {
		if got := FormatBP(bp); got != want {
			t.Errorf("FormatBP(%d) = %q, want %q", bp, got, want)
		}
	}
}

// Formatting then parsing gives the amount back.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12,500.50", "0", ".5", "1.", "-3", "9999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseMoney(s)
		if !ok {
			return
		}
		if c < 0 {
			t.Fatalf("ParseMoney(%q) = %d < 0", s, c)
		}
		back, ok := ParseMoney(FormatCents(c))
		if !ok || back != c {
			t.Fatalf("round trip of %q: %d → %q → %d %v", s, c, FormatCents(c), back, ok)
		}
		if bp, ok := ParsePercentBP(s); ok && (bp < 0 || bp > 10000) {
			t.Fatalf("ParsePercentBP(%q) = %d", s, bp)
		}
	})
}

func TestMilestoneFormValidate(t *testing.T) {
	s, err := MilestoneForm{Name: " Site survey ", DeadlineDays: "3", Probability: "40", EventTitle: "Site visit", EventDays: "2", Won: true}.Validate()
	if err != nil || s.Name != "Site survey" || !s.HasDeadline || s.DeadlineDays != 3 || s.DeadlineFrom != DeadlineFromPrevious ||
		s.Probability != 40 || s.EventDays != 2 || !s.Won {
		t.Fatalf("%+v %v", s, err)
	}
	s, err = MilestoneForm{Name: "Call", Probability: "0"}.Validate()
	if err != nil || s.HasDeadline || s.EventTitle != "" {
		t.Fatalf("optional fields: %+v %v", s, err)
	}
	_, err = MilestoneForm{Name: strings.Repeat("x", 101), Probability: "x", DeadlineDays: "-2", DeadlineFrom: "never", EventDays: "1"}.Validate()
	got := err.Error()
	for _, f := range []string{"name: " + MsgTooLong, "probability: " + MsgNumber, "deadline_days: " + MsgRange, "deadline_from: " + MsgRange, "event_title: " + MsgEventPair} {
		if !strings.Contains(got, f) {
			t.Errorf("%s lacks %s", got, f)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	known := func(c string) bool { return c == "EUR" || c == "USD" }
	s, err := SettingsForm{Name: "Acme", Currency: " eur", TimeZone: "Asia/Shanghai", StagnantDays: "30"}.Validate(known)
	if err != nil || s.Currency != "EUR" || s.StagnantDays != 30 {
		t.Fatalf("%+v %v", s, err)
	}
	_, err = SettingsForm{Name: "Acme", Currency: "XYZ", TimeZone: "Local", StagnantDays: "0"}.Validate(known)
	for _, f := range []string{"currency: " + MsgCurrency, "time_zone: " + MsgTimeZone, "stagnant_days: " + MsgRange} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("%v lacks %s", err, f)
		}
	}
}
