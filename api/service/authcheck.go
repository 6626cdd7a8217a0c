package service

import (
	"context"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"

	"github.com/authgate/authgate/schema"
)

// maxItemsPerCall bounds one CheckBulkPermissions call. SpiceDB accepts up
// to 10,000 items, but a call is answered only when its slowest item is,
// so smaller calls keep a large authcheck's latency even.
const maxItemsPerCall = 1000

// Authcheck answers each named check, all from one SpiceDB snapshot. The
// checks are translated by schema.Translate; identical SpiceDB questions
// are asked once. An item SpiceDB cannot answer alone makes its checks
// false; SpiceDB being unreachable fails the whole request.
func (s *Service) Authcheck(ctx context.Context, actor Actor, checks map[string]schema.Check) (map[string]bool, error) {
	caller := schema.Caller{UserID: actor.User.ID}
	for _, c := range checks {
		if c.AnyOrg {
			ids, err := s.store.OrganizationIDs(ctx, actor.User.ID)
			if err != nil {
				return nil, err
			}
			caller.OrganizationIDs = ids
			break
		}
	}

	questions := make(map[string]schema.Question, len(checks))
	index := make(map[schema.Item]int)
	var items []schema.Item
	for key, c := range checks {
		q := schema.Translate(c, caller)
		questions[key] = q
		for _, it := range q.Items() {
			if _, ok := index[it]; !ok {
				index[it] = len(items)
				items = append(items, it)
			}
		}
	}

	allowed, err := s.checkItems(ctx, items)
	if err != nil {
		return nil, err
	}
	answers := make(map[string]bool, len(checks))
	for key, q := range questions {
		answers[key] = q.Answer(func(it schema.Item) bool { return allowed[index[it]] })
	}
	return answers, nil
}

// checkItems asks SpiceDB about every item, in calls of at most
// maxItemsPerCall; calls after the first read the snapshot the first one
// did, so all answers agree with each other.
func (s *Service) checkItems(ctx context.Context, items []schema.Item) ([]bool, error) {
	allowed := make([]bool, 0, len(items))
	var snapshot *v1.ZedToken
	for start := 0; start < len(items); start += maxItemsPerCall {
		batch := items[start:min(start+maxItemsPerCall, len(items))]
		results, at, err := s.spice.CheckBulk(ctx, batch, snapshot)
		if err != nil {
			return nil, err
		}
		if snapshot == nil {
			snapshot = at
		}
		for i, r := range results {
			if r.Err != nil {
				s.log.WarnContext(ctx, "authcheck item unanswered; counted as false",
					"resource_type", batch[i].ResourceType, "permission", batch[i].Permission, "error", r.Err)
			}
			allowed = append(allowed, r.Allowed)
		}
	}
	return allowed, nil
}
