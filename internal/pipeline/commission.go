package pipeline

// Commission is the commission on one deal: value × rate, rate in basis
// points (0–10000, clamped), rounded to the nearest cent with halves rounded
// up like a weighted value. A negative value earns nothing.
func Commission(value int64, rateBP int) int64 {
	return WeightedValue(value, Prob(min(max(rateBP, 0), int(ProbOne))))
}

// CommissionOptions configure Commissions.
type CommissionOptions struct {
	Period Period // the deals sold in it; zero: all time
	// Rates are the owners' commission rates in basis points, by owner ID;
	// an owner without one earns 0.
	Rates map[int64]int
}

// CommissionRow is the commission of one owner (Key is the owner ID) or the
// total: the deals sold in the period, their value and the commission, the
// sum of each deal's Commission (so the deals behind a line add up to it).
type CommissionRow struct {
	Key        Key
	RateBP     int // the owner's rate; 0 on the total row
	Deals      int
	SoldValue  int64
	Commission int64
}

// CommissionReport is the commission per owner, in ascending owner ID, and in total.
type CommissionReport struct {
	Groups []CommissionRow
	Total  CommissionRow
}

// Commissions accumulates the commission earned on the deals sold in a
// period, per owner.
type Commissions struct {
	o CommissionOptions
	g groups[CommissionRow]
}

// NewCommissions returns an empty Commissions.
func NewCommissions(_ *Engine, o CommissionOptions) *Commissions {
	return &Commissions{o: o, g: newGroups(func() *CommissionRow { return &CommissionRow{} })}
}

// Add feeds one project; only projects sold in the period count, for their owner.
func (c *Commissions) Add(p *Project, f *Facts) {
	if f.State != StateSold || !c.o.Period.Contains(f.SoldAt) {
		return
	}
	r := c.g.get(Key(p.OwnerID))
	r.Deals++
	r.SoldValue += f.Value
	r.Commission += Commission(f.Value, c.o.Rates[p.OwnerID])
}

// Result returns the commission per owner. The total row is the sum of the
// owner rows.
func (c *Commissions) Result() CommissionReport {
	var r CommissionReport
	for _, k := range c.g.keys() {
		row := *c.g.m[k]
		row.Key, row.RateBP = k, min(max(c.o.Rates[int64(k)], 0), int(ProbOne))
		r.Groups = append(r.Groups, row)
		r.Total.Deals += row.Deals
		r.Total.SoldValue += row.SoldValue
		r.Total.Commission += row.Commission
	}
	return r
}
