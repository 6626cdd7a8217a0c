package server_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
)

// Sending someone's current roles back changes nothing, but it is still
// assigning roles: a read-only role may not do it, or it could race a
// revocation and put the revoked role back.
func TestRoleUpdatesNeedTheRightToAssignEvenWhenNothingChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	anon := w.srv.Client()
	w.owner.CreateUser(sdk.CreateUserRequest{Email: "audra@example.com", Username: "audra", Password: password})
	w.owner.SetSiteRoles("audra", "auditor")
	auditor := anon.Login("audra@example.com", password)
	w.owner.SetSiteRoles("alice", "owner")

	resp := auditor.Do(http.MethodPut, "/api/v2/users/alice/roles", sdk.UpdateRoles{Roles: []string{"owner"}})
	assert.Equal(t, http.StatusForbidden, resp.Status, "%s", resp.Body)

	resp = auditor.Do(http.MethodPut, "/api/v2/organizations/"+w.orgID+"/members/admin/roles",
		sdk.UpdateRoles{Roles: []string{"organization-admin"}})
	assert.Equal(t, http.StatusForbidden, resp.Status, "%s", resp.Body)
}

// A user admin re-sending "owner" for someone who has it (allowed: it
// changes nothing) races an owner revoking it. Whatever the interleaving,
// once the revocation is acknowledged and the races are over, the role
// must be gone: a decision taken on the roles before the revocation must
// not commit after it.
func TestRevokedRoleIsNotPutBackByAConcurrentNoChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	anon := w.srv.Client()
	w.owner.CreateUser(sdk.CreateUserRequest{Email: "ursula@example.com", Username: "ursula", Password: password})
	w.owner.SetSiteRoles("ursula", "user-admin")
	userAdmin := anon.Login("ursula@example.com", password)

	license := check("create", sdk.AuthorizationObject{ResourceType: "license"})
	for round := range 10 {
		w.owner.SetSiteRoles("alice", "owner")
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := userAdmin.Do(http.MethodPut, "/api/v2/users/alice/roles", sdk.UpdateRoles{Roles: []string{"owner"}})
				// 200 while alice still had the role, 403 once the
				// re-sent "owner" would be a grant, 409 when the roles
				// kept changing under it.
				assert.Contains(t, []int{http.StatusOK, http.StatusForbidden, http.StatusConflict}, resp.Status, "%s", resp.Body)
			}()
		}
		w.owner.SetSiteRoles("alice")
		wg.Wait()

		var alice sdk.User
		w.owner.Do(http.MethodGet, "/api/v2/users/alice", nil).JSON(t, &alice)
		require.Empty(t, alice.Roles, "round %d: the revoked owner role came back", round)
		require.False(t, w.alice.Check(license), "round %d: the revoked owner role still grants", round)
	}
}

// Someone added to a group while being removed from its organization
// must not end up in the group: a share to the group would count for
// them again the moment they rejoin.
func TestGroupAdditionRacingRemovalLeavesNoStrayMember(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	group := w.owner.CreateGroup(w.orgID, "racers")

	for round := range 10 {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := w.owner.Do(http.MethodPatch, "/api/v2/groups/"+group.ID,
					sdk.PatchGroupRequest{AddUsers: []string{w.aliceID}})
				assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest}, resp.Status, "%s", resp.Body)
			}()
		}
		w.owner.RemoveMember(w.orgID, "alice")
		wg.Wait()

		var g sdk.Group
		w.owner.Do(http.MethodGet, "/api/v2/groups/"+group.ID, nil).JSON(t, &g)
		for _, m := range g.Members {
			require.NotEqual(t, w.aliceID, m.ID, "round %d: a non-member is in the group", round)
		}
		w.owner.AddMember(w.orgID, "alice")
	}
}

// As in Coder, the owner role must be taken away before its holder can be
// suspended or deleted; a user admin cannot take it away, so cannot lock
// the owners out.
func TestOwnersCannotBeSuspendedOrDeleted(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	anon := w.srv.Client()
	w.owner.CreateUser(sdk.CreateUserRequest{Email: "otto@example.com", Username: "otto", Password: password})
	w.owner.SetSiteRoles("otto", "owner")
	w.owner.CreateUser(sdk.CreateUserRequest{Email: "ursula@example.com", Username: "ursula", Password: password})
	w.owner.SetSiteRoles("ursula", "user-admin")
	userAdmin := anon.Login("ursula@example.com", password)

	for _, c := range []*apitest.Client{userAdmin, w.owner} {
		resp := c.Do(http.MethodPut, "/api/v2/users/otto/status/suspend", nil)
		assert.Equal(t, http.StatusBadRequest, resp.Status, "%s", resp.Body)
		resp = c.Do(http.MethodDelete, "/api/v2/users/otto", nil)
		assert.Equal(t, http.StatusBadRequest, resp.Status, "%s", resp.Body)
	}
	anon.Login("otto@example.com", password) // still active

	w.owner.SetSiteRoles("otto")
	resp := userAdmin.Do(http.MethodPut, "/api/v2/users/otto/status/suspend", nil)
	assert.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
}

// Passing a workspace on to others takes its "share" action, the one
// authcheck answers for sharing: an admin share lets one change the
// workspace, not share it further.
func TestWorkspaceAdminShareCannotReshare(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	w.owner.CreateUser(sdk.CreateUserRequest{Email: "bea@example.com", Username: "bea", Password: password})
	bea := w.srv.Client().Login("bea@example.com", password)
	beaID := bea.Me().ID

	w.owner.UpdateACL("workspace", w.workspace.ID, sdk.UpdateACL{UserRoles: map[string]string{beaID: "admin"}})
	obj := sdk.AuthorizationObject{ResourceType: "workspace", ResourceID: w.workspace.ID}
	assert.True(t, bea.Check(check("update", obj)))
	assert.False(t, bea.Check(check("share", obj)))

	resp := bea.Do(http.MethodPatch, "/api/v2/resources/workspace/"+w.workspace.ID+"/acl",
		sdk.UpdateACL{UserRoles: map[string]string{w.adminID: "admin"}})
	assert.Equal(t, http.StatusForbidden, resp.Status, "%s", resp.Body)

	// The workspace's owner shares it.
	w.alice.UpdateACL("workspace", w.workspace.ID, sdk.UpdateACL{UserRoles: map[string]string{w.adminID: "use"}})
}

// Who may not create users learns nothing from trying: not which
// organizations exist, and no password is hashed for them.
func TestUserCreationIsAuthorizedBeforeAnythingIsLookedUp(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	for _, orgID := range []string{w.orgID, "00000000-0000-4000-8000-000000000000"} {
		resp := w.alice.Do(http.MethodPost, "/api/v2/users", sdk.CreateUserRequest{
			Email: "x@example.com", Username: "x", Password: password, OrganizationIDs: []string{orgID},
		})
		assert.Equal(t, http.StatusForbidden, resp.Status, "%s", resp.Body)
		assert.Equal(t, "You are not allowed to create users.", resp.Error(t).Message)
	}
}

func TestOddRequestsAreRefusedNotMisread(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})

	// "Checks" is not "checks": answering {} would read as "nothing asked".
	resp := w.alice.Do(http.MethodPost, "/api/v2/authcheck", `{"Checks":{"a":{"action":"read","object":{"resource_type":"user"}}}}`)
	assert.Equal(t, http.StatusBadRequest, resp.Status, "%s", resp.Body)
	resp = w.alice.Do(http.MethodPost, "/api/v2/authcheck",
		`{"checks":{"a":{"action":"read","object":{"resource_type":"user"}}},"checks":{}}`)
	assert.Equal(t, http.StatusBadRequest, resp.Status, "%s", resp.Body)

	// Half a surrogate pair would become U+FFFD: two passwords, one hash.
	resp = w.owner.Do(http.MethodPost, "/api/v2/users",
		`{"email":"s@example.com","username":"s","password":"\ud800passw0rd"}`)
	assert.Equal(t, http.StatusBadRequest, resp.Status, "%s", resp.Body)

	// "me" in a path is the caller; no user may be called that.
	resp = w.owner.Do(http.MethodPost, "/api/v2/users", sdk.CreateUserRequest{Email: "me@example.com", Username: "Me", Password: password})
	assert.Equal(t, http.StatusBadRequest, resp.Status, "%s", resp.Body)

	// An empty query token before a real one counts as absent.
	resp = w.srv.Client().Do(http.MethodGet, "/api/v2/users/me?coder_session_token=&coder_session_token="+w.alice.Token, nil)
	assert.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
}
