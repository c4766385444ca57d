package server

import (
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
	"golang.org/x/text/currency"
)

// knownCurrency reports whether code is an ISO 4217 currency code.
func knownCurrency(code string) bool {
	_, err := currency.ParseISO(code)
	return err == nil
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, f web.Form) {
	v := web.SettingsView{AdminPage: s.adminPage(r, "admin.settings.title", "admin.tab.settings"), Form: f}
	s.render(w, r, status, web.SettingsPage(v))
}

func (s *Server) handleAdminSettings(w http.ResponseWriter, r *http.Request) {
	t, err := s.db.Settings(r.Context(), tenantOf(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderSettings(w, r, http.StatusOK, web.Form{Values: map[string]string{
		"name": t.Name, "currency": t.Currency, "time_zone": t.TimeZone, "country": t.Country,
		"stagnant_days": strconv.Itoa(t.StagnantDays), "learned_probabilities": checked(t.LearnedProbabilities)}})
}

func (s *Server) handleAdminSettingsSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	values := keep(r, "name", "currency", "time_zone", "country", "stagnant_days", "learned_probabilities")
	in, err := crm.SettingsForm{Name: values["name"], Currency: values["currency"], TimeZone: values["time_zone"], Country: values["country"],
		StagnantDays: values["stagnant_days"], LearnedProbabilities: values["learned_probabilities"] == "1"}.Validate(knownCurrency)
	if err == nil {
		err = s.db.UpdateSettings(r.Context(), tenantOf(r), actorID(r), in)
	}
	s.finish(w, r, err, "/admin/settings", "admin.settings.saved", func(errs map[string]string) {
		s.renderSettings(w, r, http.StatusUnprocessableEntity, form(values, errs))
	})
}
