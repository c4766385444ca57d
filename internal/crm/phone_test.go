package crm

import "testing"

func TestCountryForZone(t *testing.T) {
	for zone, want := range map[string]string{"America/Chicago": "US", "Asia/Shanghai": "CN", "Europe/Berlin": "DE", "UTC": "", "": ""} {
		if got := CountryForZone(zone); got != want {
			t.Errorf("CountryForZone(%q) = %q, want %q", zone, got, want)
		}
	}
	if !ValidCountry("US") || ValidCountry("XX") || ValidCountry("") {
		t.Error("ValidCountry")
	}
}
