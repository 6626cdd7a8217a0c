package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
)

// Two replicas on one database and one SpiceDB, written to at once
// (memberships, organization and site roles, group members, shares), some
// writes touching the same group and the same template from both: every
// write succeeds, SpiceDB ends equal to the database, and both replicas
// answer from it.
func TestTwoReplicasUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	replicas := []*process{d.serve(), d.serve()}
	p := seed(t, replicas[0])
	group := p.owner.CreateGroup(p.orgID, "builders")
	second := p.owner.CreateOrganization("second")
	template := p.owner.CreateResource(p.orgID, sdk.CreateResourceRequest{Type: "template"})

	// Enough writers to overlap on two cores; bounded so the test stays
	// short.
	const workers, rounds = 6, 8
	users := make([]sdk.User, workers)
	for i := range users {
		owner := replicas[i%2].Client(t).WithToken(p.owner.Token)
		users[i] = owner.CreateUser(sdk.CreateUserRequest{
			Email:    fmt.Sprintf("worker%d@example.com", i),
			Username: fmt.Sprintf("worker%d", i),
			Password: password,
		})
	}
	// granted says whether worker i's grants are on after round r; the
	// workers start out of step, so grants and revocations interleave.
	granted := func(i, r int) bool { return (i+r)%2 == 0 }

	t.Run("writes", func(t *testing.T) {
		for i := range workers {
			t.Run(fmt.Sprint("worker", i), func(t *testing.T) {
				t.Parallel()
				// Each round on the other replica, so that one user's grants
				// and revocations come from both processes.
				owners := []*apitest.Client{
					replicas[i%2].Client(t).WithToken(p.owner.Token),
					replicas[(i+1)%2].Client(t).WithToken(p.owner.Token),
				}
				id := users[i].ID
				member := false
				for r := range rounds {
					on := granted(i, r)
					owner := owners[r%2]
					switch {
					case on && !member:
						owner.AddMember(second.ID, id)
					case !on && member:
						owner.RemoveMember(second.ID, id)
					}
					member = on
					var orgRoles, siteRoles []string
					patch := sdk.PatchGroupRequest{RemoveUsers: []string{id}}
					share := ""
					if on {
						orgRoles, siteRoles = []string{"organization-auditor"}, []string{"template-admin"}
						patch = sdk.PatchGroupRequest{AddUsers: []string{id}}
						share = "admin"
					}
					owner.SetMemberRoles(p.orgID, id, orgRoles...)
					owner.PatchGroup(group.ID, patch)
					owner.UpdateACL("template", template.ID, sdk.UpdateACL{UserRoles: map[string]string{id: share}})
					owner.SetSiteRoles(id, siteRoles...)
				}
			})
		}
	})
	if t.Failed() {
		return
	}

	d.requireMatches()
	updateTemplate := sdk.AuthorizationCheck{Action: "update", Object: sdk.AuthorizationObject{
		ResourceType: "template", ResourceID: template.ID,
	}}
	readSecond := sdk.AuthorizationCheck{Action: "read", Object: sdk.AuthorizationObject{
		ResourceType: "organization", ResourceID: second.ID,
	}}
	for i, u := range users {
		want := granted(i, rounds-1)
		for n, replica := range replicas {
			c := replica.Client(t).Login(u.Email, password)
			got := c.Authcheck(map[string]sdk.AuthorizationCheck{
				"users": readAllUsers, "template": updateTemplate, "second": readSecond,
			})
			assert.Equal(t, map[string]bool{"users": want, "template": want, "second": want}, got,
				"worker %d on replica %d", i, n)
		}
	}
}
