package server_test

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
)

// person is a signed-in user.
type person struct {
	id     string
	client *apitest.Client
}

// modelWorld is the authorization model's world, built through the API
// only: every site and organization role, sharing with users and groups,
// the Everyone group, a dormant workspace, the creation ban, and a user
// who owns a workspace in an organization they have left.
type modelWorld struct {
	srv        *apitest.Server
	anon       *apitest.Client
	owner      *apitest.Client
	org1, org2 string
	people     map[string]person
	eng        sdk.Group

	tplEveryone, tplPrivate, tplOrg2                     sdk.Resource
	wsAlice, wsDormant, wsOadmin, wsBanned, wsLeo, wsBob sdk.Resource
}

// join creates a user in the given organizations (the default one when
// none) and signs them in.
func (w *modelWorld) join(t *testing.T, name string, orgIDs ...string) person {
	t.Helper()
	req := userRequest(name)
	req.OrganizationIDs = orgIDs
	u := w.owner.CreateUser(req)
	p := person{id: u.ID, client: w.anon.Login(req.Email, password)}
	w.people[name] = p
	return p
}

func (w *modelWorld) id(name string) string { return w.people[name].id }

func newModelWorld(t *testing.T) *modelWorld {
	t.Helper()
	srv := apitest.Start(t, apitest.Options{})
	anon := srv.Client()
	first := anon.CreateFirstUser(sdk.CreateFirstUserRequest{
		Email: "owner@example.com", Username: "owner", Password: password,
	})
	owner := anon.Login("owner@example.com", password)
	w := &modelWorld{
		srv: srv, anon: anon, owner: owner, org1: first.OrganizationID,
		people: map[string]person{"owner": {id: first.UserID, client: owner}},
	}
	w.org2 = owner.CreateOrganization("second").ID

	for name, role := range map[string]string{
		"auditor": "auditor", "tadmin": "template-admin", "uadmin": "user-admin", "owner2": "owner",
	} {
		owner.SetSiteRoles(w.join(t, name).id, role)
	}
	for name, roles := range map[string][]string{
		"alice": nil, "carol": nil, "gina": nil,
		"oadmin":      {"organization-admin"},
		"oauditor":    {"organization-auditor"},
		"otadmin":     {"organization-template-admin"},
		"ouadmin":     {"organization-user-admin"},
		"banned":      {"organization-workspace-creation-ban"},
		"bannedadmin": {"organization-admin", "organization-workspace-creation-ban"},
	} {
		p := w.join(t, name, w.org1)
		if roles != nil {
			owner.SetMemberRoles(w.org1, p.id, roles...)
		}
	}
	owner.SetMemberRoles(w.org1, w.id("owner2"), "organization-workspace-creation-ban")
	w.join(t, "bob", w.org2)
	w.join(t, "leo", w.org1, w.org2)

	w.eng = owner.CreateGroup(w.org1, "eng")
	owner.PatchGroup(w.eng.ID, sdk.PatchGroupRequest{AddUsers: []string{w.id("gina")}})

	w.buildResources(t)
	return w
}

func (w *modelWorld) buildResources(t *testing.T) {
	t.Helper()
	owner, alice := w.owner, w.people["alice"].client
	shares := sdk.UpdateACL{
		UserRoles:  map[string]string{w.id("carol"): "use", w.id("bob"): "use"},
		GroupRoles: map[string]string{w.eng.ID: "admin"},
	}

	w.tplEveryone = owner.CreateResource(w.org1, sdk.CreateResourceRequest{Type: "template"})
	w.tplPrivate = owner.CreateResource(w.org1, sdk.CreateResourceRequest{
		Type: "template", DisableEveryoneGroupAccess: true,
	})
	owner.UpdateACL("template", w.tplPrivate.ID, shares)
	w.tplOrg2 = owner.CreateResource(w.org2, sdk.CreateResourceRequest{Type: "template"})

	w.wsAlice = alice.CreateResource(w.org1, workspaceOf("me"))
	alice.UpdateACL("workspace", w.wsAlice.ID, shares)
	w.wsDormant = alice.CreateResource(w.org1, workspaceOf(""))
	alice.UpdateACL("workspace", w.wsDormant.ID, shareWithUser(w.id("carol"), "use"))
	alice.SetDormant(w.wsDormant.ID, true)

	w.wsOadmin = w.people["oadmin"].client.CreateResource(w.org1, workspaceOf(""))
	w.wsBanned = owner.CreateResource(w.org1, workspaceOf(w.id("banned")))
	w.wsBob = w.people["bob"].client.CreateResource(w.org2, workspaceOf(""))

	// leo's workspace is made while he is a member of org1; then he
	// leaves, and it is still his.
	w.wsLeo = owner.CreateResource(w.org1, workspaceOf(w.id("leo")))
	owner.RemoveMember(w.org1, w.id("leo"))
}

// Requests the tests repeat.

func userRequest(name string) sdk.CreateUserRequest {
	return sdk.CreateUserRequest{Email: name + "@example.com", Username: name, Password: password}
}

// workspaceOf asks for a workspace of owner: an id, "me", or "" for the
// caller.
func workspaceOf(owner string) sdk.CreateResourceRequest {
	return sdk.CreateResourceRequest{Type: "workspace", OwnerID: owner}
}

func shareWithUser(id, role string) sdk.UpdateACL {
	return sdk.UpdateACL{UserRoles: map[string]string{id: role}}
}

func shareWithGroup(id, role string) sdk.UpdateACL {
	return sdk.UpdateACL{GroupRoles: map[string]string{id: role}}
}

// Checks, by scope.

func objectCheck(action, typ, id string) sdk.AuthorizationCheck {
	return sdk.AuthorizationCheck{Action: action, Object: sdk.AuthorizationObject{
		ResourceType: typ, ResourceID: id,
	}}
}

func orgCheck(action, typ, orgID string) sdk.AuthorizationCheck {
	return sdk.AuthorizationCheck{Action: action, Object: sdk.AuthorizationObject{
		ResourceType: typ, OrganizationID: orgID,
	}}
}

func siteCheck(action, typ string) sdk.AuthorizationCheck {
	return sdk.AuthorizationCheck{Action: action, Object: sdk.AuthorizationObject{ResourceType: typ}}
}

// ownedCheck asks about objects of owner (an id, or "me") in orgID ("" for
// none).
func ownedCheck(action, typ, orgID, owner string) sdk.AuthorizationCheck {
	return sdk.AuthorizationCheck{Action: action, Object: sdk.AuthorizationObject{
		ResourceType: typ, OrganizationID: orgID, OwnerID: owner,
	}}
}

func anyOrgCheck(action, typ, owner string) sdk.AuthorizationCheck {
	return sdk.AuthorizationCheck{Action: action, Object: sdk.AuthorizationObject{
		ResourceType: typ, OwnerID: owner, AnyOrgOwner: true,
	}}
}

// modelRow is one question of one person, and its answer.
type modelRow struct {
	who   string
	name  string
	check sdk.AuthorizationCheck
	want  bool
}

// roleHolders are the people of the model world who hold each role,
// implicit ones included; every role must be asked at least once each way.
var roleHolders = map[string][]string{
	"owner":                               {"owner", "owner2"},
	"member":                              {"alice", "bob", "leo"},
	"auditor":                             {"auditor"},
	"template-admin":                      {"tadmin"},
	"user-admin":                          {"uadmin"},
	"organization-admin":                  {"oadmin", "bannedadmin"},
	"organization-member":                 {"alice", "carol", "gina", "bob"},
	"organization-auditor":                {"oauditor"},
	"organization-template-admin":         {"otadmin"},
	"organization-user-admin":             {"ouadmin"},
	"organization-workspace-creation-ban": {"banned", "bannedadmin", "owner2"},
}

func (w *modelWorld) rows() []modelRow {
	ws, tpl := "workspace", "template"
	o1, o2 := w.org1, w.org2
	alice, dormant := w.wsAlice.ID, w.wsDormant.ID
	private, everyone := w.tplPrivate.ID, w.tplEveryone.ID
	missing := uuid.NewString()
	return []modelRow{
		// owner: every action on every modelled type, anywhere.
		{"owner", "create licenses", siteCheck("create", "license"), true},
		{"owner", "update the deployment config", siteCheck("update", "deployment_config"), true},
		{"owner", "read audit logs", siteCheck("read", "audit_log"), true},
		{"owner", "read debug info", siteCheck("read", "debug_info"), true},
		{"owner", "update system", siteCheck("update", "system"), true},
		{"owner", "delete crypto keys", siteCheck("delete", "crypto_key"), true},
		{"owner", "update notification templates", siteCheck("update", "notification_template"), true},
		{"owner", "create workspace proxies", siteCheck("create", "workspace_proxy"), true},
		{"owner", "delete oauth2 apps", siteCheck("delete", "oauth2_app"), true},
		{"owner", "read api keys", siteCheck("read", "api_key"), true},
		{"owner", "read all users", siteCheck("read", "user"), true},
		{"owner", "create workspaces for anyone in org1", orgCheck("create", ws, o1), true},
		{"owner", "create templates in any organization", anyOrgCheck("create", tpl, ""), true},
		{"owner", "ssh into alice's workspace", objectCheck("ssh", ws, alice), true},
		{"owner", "delete alice's workspace", objectCheck("delete", ws, alice), true},
		{"owner", "use bob's workspace's apps", objectCheck("application_connect", ws, w.wsBob.ID), true},
		{"owner", "update the private template", objectCheck("update", tpl, private), true},
		{"owner", "delete the eng group", objectCheck("delete", "group", w.eng.ID), true},
		{"owner", "read the dormant workspace", objectCheck("read", ws, dormant), true},
		{"owner", "stop the dormant workspace", objectCheck("stop", ws, dormant), true},
		{"owner", "start the dormant workspace", objectCheck("start", ws, dormant), false},
		{"owner", "ssh into the dormant workspace", objectCheck("ssh", ws, dormant), false},
		{"owner", "use the dormant workspace's apps", objectCheck("application_connect", ws, dormant), false},
		{"owner", "an unknown type", siteCheck("read", "*"), false},
		{"owner", "an unknown type in an organization", orgCheck("create", "chat", o1), false},
		{"owner", "an unknown action", objectCheck("fly", ws, alice), false},
		{"owner", "the wildcard action", siteCheck("*", ws), false},
		{"owner", "an action licenses do not have", siteCheck("update", "license"), false},
		{"owner", "a workspace that does not exist", objectCheck("read", ws, missing), false},
		{"owner", "a workspace id as a template", objectCheck("read", tpl, alice), false},

		// A second owner, banned from creating in org1: unaffected.
		{"owner2", "create own workspaces in org1", ownedCheck("create", ws, o1, "me"), true},
		{"owner2", "create anyone's workspaces in org1", orgCheck("create", ws, o1), true},
		{"owner2", "start the dormant workspace", objectCheck("start", ws, dormant), false},

		// auditor
		{"auditor", "read audit logs", siteCheck("read", "audit_log"), true},
		{"auditor", "read the deployment config", siteCheck("read", "deployment_config"), true},
		{"auditor", "read deployment stats", siteCheck("read", "deployment_stats"), true},
		{"auditor", "read all users", siteCheck("read", "user"), true},
		{"auditor", "read templates of org2", orgCheck("read", tpl, o2), true},
		{"auditor", "view insights of the private template", objectCheck("view_insights", tpl, private), true},
		{"auditor", "read the eng group", objectCheck("read", "group", w.eng.ID), true},
		{"auditor", "read org2", objectCheck("read", "organization", o2), true},
		{"auditor", "read members of org2", orgCheck("read", "organization_member", o2), true},
		{"auditor", "update the deployment config", siteCheck("update", "deployment_config"), false},
		{"auditor", "create audit logs", siteCheck("create", "audit_log"), false},
		{"auditor", "read licenses", siteCheck("read", "license"), false},
		{"auditor", "read workspaces of org1", orgCheck("read", ws, o1), false},
		{"auditor", "read alice's workspace", objectCheck("read", ws, alice), false},
		{"auditor", "update the private template", objectCheck("update", tpl, private), false},

		// template-admin
		{"tadmin", "create templates in org1", orgCheck("create", tpl, o1), true},
		{"tadmin", "delete the private template", objectCheck("delete", tpl, private), true},
		{"tadmin", "create files", siteCheck("create", "file"), true},
		{"tadmin", "read alice's workspace", objectCheck("read", ws, alice), true},
		{"tadmin", "read the dormant workspace", objectCheck("read", ws, dormant), true},
		{"tadmin", "delete provisioner daemons", siteCheck("delete", "provisioner_daemon"), true},
		{"tadmin", "read members of org2", orgCheck("read", "organization_member", o2), true},
		{"tadmin", "read all users", siteCheck("read", "user"), true},
		{"tadmin", "update alice's workspace", objectCheck("update", ws, alice), false},
		{"tadmin", "ssh into alice's workspace", objectCheck("ssh", ws, alice), false},
		{"tadmin", "update users", siteCheck("update", "user"), false},
		{"tadmin", "create groups in org1", orgCheck("create", "group", o1), false},
		{"tadmin", "use the private template", objectCheck("use", tpl, private), false},
		{"tadmin", "read provisioner jobs", siteCheck("read", "provisioner_jobs"), false},

		// user-admin
		{"uadmin", "create users", siteCheck("create", "user"), true},
		{"uadmin", "delete alice", objectCheck("delete", "user", w.id("alice")), true},
		{"uadmin", "read alice's personal data", objectCheck("read_personal", "user", w.id("alice")), true},
		{"uadmin", "assign roles", siteCheck("assign", "assign_role"), true},
		{"uadmin", "create groups in org1", orgCheck("create", "group", o1), true},
		{"uadmin", "remove members of org2", orgCheck("delete", "organization_member", o2), true},
		{"uadmin", "read org1", objectCheck("read", "organization", o1), true},
		{"uadmin", "create templates in org1", orgCheck("create", tpl, o1), false},
		{"uadmin", "read alice's workspace", objectCheck("read", ws, alice), false},
		{"uadmin", "update org1", objectCheck("update", "organization", o1), false},
		{"uadmin", "read audit logs", siteCheck("read", "audit_log"), false},
		{"uadmin", "create licenses", siteCheck("create", "license"), false},

		// organization-admin of org1
		{"oadmin", "read workspaces of org1", orgCheck("read", ws, o1), true},
		{"oadmin", "update alice's workspace", objectCheck("update", ws, alice), true},
		{"oadmin", "delete alice's workspace", objectCheck("delete", ws, alice), true},
		{"oadmin", "start alice's workspace", objectCheck("start", ws, alice), true},
		{"oadmin", "read leo's workspace", objectCheck("read", ws, w.wsLeo.ID), true},
		{"oadmin", "create templates in org1", orgCheck("create", tpl, o1), true},
		{"oadmin", "use the private template", objectCheck("use", tpl, private), true},
		{"oadmin", "delete the eng group", objectCheck("delete", "group", w.eng.ID), true},
		{"oadmin", "update org1", objectCheck("update", "organization", o1), true},
		{"oadmin", "add members to org1", orgCheck("create", "organization_member", o1), true},
		{"oadmin", "assign roles in org1", orgCheck("assign", "assign_org_role", o1), true},
		{"oadmin", "read audit logs of org1", orgCheck("read", "audit_log", o1), true},
		{"oadmin", "read all users", siteCheck("read", "user"), true},
		{"oadmin", "read bob, of another organization", objectCheck("read", "user", w.id("bob")), true},
		{"oadmin", "ssh into its own workspace", objectCheck("ssh", ws, w.wsOadmin.ID), true},
		{"oadmin", "ssh into alice's workspace", objectCheck("ssh", ws, alice), false},
		{"oadmin", "use alice's workspace's apps", objectCheck("application_connect", ws, alice), false},
		{"oadmin", "ssh into workspaces of org1", orgCheck("ssh", ws, o1), false},
		{"oadmin", "read workspaces of org2", orgCheck("read", ws, o2), false},
		{"oadmin", "read bob's workspace", objectCheck("read", ws, w.wsBob.ID), false},
		{"oadmin", "update users", siteCheck("update", "user"), false},
		{"oadmin", "assign site roles", siteCheck("assign", "assign_role"), false},
		{"oadmin", "read licenses", siteCheck("read", "license"), false},
		{"oadmin", "read the deployment config, naming org1",
			orgCheck("read", "deployment_config", o1), false},

		// member and organization-member (alice, of org1)
		{"alice", "read her user", ownedCheck("read", "user", "", "me"), true},
		{"alice", "update her personal data", ownedCheck("update_personal", "user", "", "me"), true},
		{"alice", "read her user by id", objectCheck("read", "user", w.id("alice")), true},
		{"alice", "read assignable roles", siteCheck("read", "assign_role"), true},
		{"alice", "read provisioner daemons", siteCheck("read", "provisioner_daemon"), true},
		{"alice", "read workspace proxies", siteCheck("read", "workspace_proxy"), true},
		{"alice", "read oauth2 apps", siteCheck("read", "oauth2_app"), true},
		{"alice", "read org1", objectCheck("read", "organization", o1), true},
		{"alice", "read org1's assignable roles", orgCheck("read", "assign_org_role", o1), true},
		{"alice", "read her membership of org1", ownedCheck("read", "organization_member", o1, "me"), true},
		{"alice", "create her workspaces in org1", ownedCheck("create", ws, o1, "me"), true},
		{"alice", "read her workspaces in org1", ownedCheck("read", ws, o1, "me"), true},
		{"alice", "read her workspaces in org1, by id",
			ownedCheck("read", ws, o1, w.id("alice")), true},
		{"alice", "create her workspaces in any organization", anyOrgCheck("create", ws, "me"), true},
		{"alice", "ssh into her workspace", objectCheck("ssh", ws, alice), true},
		{"alice", "share her workspace", objectCheck("share", ws, alice), true},
		{"alice", "update her dormant workspace", objectCheck("update", ws, dormant), true},
		{"alice", "read the template shared with Everyone", objectCheck("read", tpl, everyone), true},
		{"alice", "use the template shared with Everyone", objectCheck("use", tpl, everyone), true},
		{"alice", "start her dormant workspace", objectCheck("start", ws, dormant), false},
		{"alice", "read all workspaces of org1", orgCheck("read", ws, o1), false},
		{"alice", "read carol's workspaces in org1", ownedCheck("read", ws, o1, w.id("carol")), false},
		{"alice", "read her workspaces, naming no organization", ownedCheck("read", ws, "", "me"), false},
		{"alice", "read her workspaces, naming an organization that is no UUID",
			ownedCheck("read", ws, "coder", "me"), false},
		{"alice", "read all users", siteCheck("read", "user"), false},
		{"alice", "update her user", objectCheck("update", "user", w.id("alice")), false},
		{"alice", "delete her user", ownedCheck("delete", "user", "", "me"), false},
		{"alice", "read bob", objectCheck("read", "user", w.id("bob")), false},
		{"alice", "read bob's workspace", objectCheck("read", ws, w.wsBob.ID), false},
		{"alice", "read the template not shared with Everyone", objectCheck("read", tpl, private), false},
		{"alice", "update the template shared with Everyone", objectCheck("update", tpl, everyone), false},
		{"alice", "use org2's template", objectCheck("use", tpl, w.tplOrg2.ID), false},
		{"alice", "read org2", objectCheck("read", "organization", o2), false},
		{"alice", "read the eng group", objectCheck("read", "group", w.eng.ID), false},
		{"alice", "create templates in any organization", anyOrgCheck("create", tpl, ""), false},
		{"alice", "read licenses", siteCheck("read", "license"), false},
		{"alice", "read the deployment config", siteCheck("read", "deployment_config"), false},
		{"alice", "read audit logs", siteCheck("read", "audit_log"), false},
		{"alice", "update system", siteCheck("update", "system"), false},
		{"alice", "read api keys", siteCheck("read", "api_key"), false},
		{"alice", "create oauth2 apps", siteCheck("create", "oauth2_app"), false},
		{"alice", "an unknown type", siteCheck("read", "*"), false},

		// Shared "use" with a user.
		{"carol", "read alice's workspace", objectCheck("read", ws, alice), true},
		{"carol", "start alice's workspace", objectCheck("start", ws, alice), true},
		{"carol", "stop alice's workspace", objectCheck("stop", ws, alice), true},
		{"carol", "ssh into alice's workspace", objectCheck("ssh", ws, alice), true},
		{"carol", "use alice's workspace's apps", objectCheck("application_connect", ws, alice), true},
		{"carol", "read the private template", objectCheck("read", tpl, private), true},
		{"carol", "use the private template", objectCheck("use", tpl, private), true},
		{"carol", "read the dormant workspace", objectCheck("read", ws, dormant), true},
		{"carol", "stop the dormant workspace", objectCheck("stop", ws, dormant), true},
		{"carol", "update alice's workspace", objectCheck("update", ws, alice), false},
		{"carol", "delete alice's workspace", objectCheck("delete", ws, alice), false},
		{"carol", "share alice's workspace", objectCheck("share", ws, alice), false},
		{"carol", "update the private template", objectCheck("update", tpl, private), false},
		{"carol", "start the dormant workspace", objectCheck("start", ws, dormant), false},
		{"carol", "ssh into the dormant workspace", objectCheck("ssh", ws, dormant), false},

		// Shared "admin" with a group.
		{"gina", "read alice's workspace", objectCheck("read", ws, alice), true},
		{"gina", "ssh into alice's workspace", objectCheck("ssh", ws, alice), true},
		{"gina", "update alice's workspace", objectCheck("update", ws, alice), true},
		{"gina", "delete alice's workspace", objectCheck("delete", ws, alice), true},
		{"gina", "update the private template", objectCheck("update", tpl, private), true},
		{"gina", "delete the private template", objectCheck("delete", tpl, private), true},
		{"gina", "view insights of the private template", objectCheck("view_insights", tpl, private), true},
		{"gina", "read her group", objectCheck("read", "group", w.eng.ID), true},
		{"gina", "share alice's workspace", objectCheck("share", ws, alice), false},
		{"gina", "create agents in alice's workspace", objectCheck("create_agent", ws, alice), false},
		{"gina", "update her group", objectCheck("update", "group", w.eng.ID), false},

		// bob, of org2 only: shares in org1 do not count for him.
		{"bob", "ssh into his workspace", objectCheck("ssh", ws, w.wsBob.ID), true},
		{"bob", "use org2's template shared with Everyone", objectCheck("use", tpl, w.tplOrg2.ID), true},
		{"bob", "read org2", objectCheck("read", "organization", o2), true},
		{"bob", "create his workspaces in org2", ownedCheck("create", ws, o2, "me"), true},
		{"bob", "read alice's workspace, shared with him", objectCheck("read", ws, alice), false},
		{"bob", "read the private template, shared with him", objectCheck("read", tpl, private), false},
		{"bob", "read org1's template shared with Everyone", objectCheck("read", tpl, everyone), false},
		{"bob", "read org1", objectCheck("read", "organization", o1), false},
		{"bob", "create his workspaces in org1", ownedCheck("create", ws, o1, "me"), false},

		// leo owns a workspace in org1, which he has left.
		{"leo", "read his workspace in org1", objectCheck("read", ws, w.wsLeo.ID), false},
		{"leo", "ssh into his workspace in org1", objectCheck("ssh", ws, w.wsLeo.ID), false},
		{"leo", "delete his workspace in org1", objectCheck("delete", ws, w.wsLeo.ID), false},
		{"leo", "read his workspaces in org1", ownedCheck("read", ws, o1, "me"), false},
		{"leo", "read org1", objectCheck("read", "organization", o1), false},
		{"leo", "create his workspaces in org2", ownedCheck("create", ws, o2, "me"), true},
		{"leo", "read his user", ownedCheck("read", "user", "", "me"), true},

		// organization-auditor of org1
		{"oauditor", "read templates of org1", orgCheck("read", tpl, o1), true},
		{"oauditor", "view insights of the private template", objectCheck("view_insights", tpl, private), true},
		{"oauditor", "read audit logs of org1", orgCheck("read", "audit_log", o1), true},
		{"oauditor", "read audit logs of any organization", anyOrgCheck("read", "audit_log", ""), true},
		{"oauditor", "read the eng group", objectCheck("read", "group", w.eng.ID), true},
		{"oauditor", "read members of org1", orgCheck("read", "organization_member", o1), true},
		{"oauditor", "read templates of org2", orgCheck("read", tpl, o2), false},
		{"oauditor", "read org2's template", objectCheck("read", tpl, w.tplOrg2.ID), false},
		{"oauditor", "update the private template", objectCheck("update", tpl, private), false},
		{"oauditor", "read audit logs, naming no organization", siteCheck("read", "audit_log"), false},
		{"oauditor", "read all users", siteCheck("read", "user"), false},
		{"oauditor", "read the deployment config", siteCheck("read", "deployment_config"), false},

		// organization-template-admin of org1
		{"otadmin", "create templates in org1", orgCheck("create", tpl, o1), true},
		{"otadmin", "create templates in any organization", anyOrgCheck("create", tpl, ""), true},
		{"otadmin", "delete the private template", objectCheck("delete", tpl, private), true},
		{"otadmin", "create files in org1", orgCheck("create", "file", o1), true},
		{"otadmin", "read workspaces of org1", orgCheck("read", ws, o1), true},
		{"otadmin", "read alice's workspace", objectCheck("read", ws, alice), true},
		{"otadmin", "update provisioner daemons of org1", orgCheck("update", "provisioner_daemon", o1), true},
		{"otadmin", "create templates in org2", orgCheck("create", tpl, o2), false},
		{"otadmin", "update alice's workspace", objectCheck("update", ws, alice), false},
		{"otadmin", "read provisioner jobs of org1", orgCheck("read", "provisioner_jobs", o1), false},
		{"otadmin", "use the private template", objectCheck("use", tpl, private), false},
		{"otadmin", "read all users", siteCheck("read", "user"), false},

		// organization-user-admin of org1
		{"ouadmin", "add members to org1", orgCheck("create", "organization_member", o1), true},
		{"ouadmin", "create groups in org1", orgCheck("create", "group", o1), true},
		{"ouadmin", "update the eng group", objectCheck("update", "group", w.eng.ID), true},
		{"ouadmin", "assign roles in org1", orgCheck("assign", "assign_org_role", o1), true},
		{"ouadmin", "read all users", siteCheck("read", "user"), true},
		{"ouadmin", "add members to org2", orgCheck("create", "organization_member", o2), false},
		{"ouadmin", "read templates of org1", orgCheck("read", tpl, o1), false},
		{"ouadmin", "read workspaces of org1", orgCheck("read", ws, o1), false},
		{"ouadmin", "update users", siteCheck("update", "user"), false},
		{"ouadmin", "update org1", objectCheck("update", "organization", o1), false},

		// organization-workspace-creation-ban: only create, only from
		// the organization.
		{"banned", "create his workspaces in org1", ownedCheck("create", ws, o1, "me"), false},
		{"banned", "create his workspaces in any organization", anyOrgCheck("create", ws, "me"), false},
		{"banned", "create his existing workspace", objectCheck("create", ws, w.wsBanned.ID), false},
		{"banned", "read his workspaces in org1", ownedCheck("read", ws, o1, "me"), true},
		{"banned", "ssh into his workspace", objectCheck("ssh", ws, w.wsBanned.ID), true},
		{"banned", "delete his workspace", objectCheck("delete", ws, w.wsBanned.ID), true},
		{"banned", "use the template shared with Everyone", objectCheck("use", tpl, everyone), true},
		{"bannedadmin", "create workspaces in org1", orgCheck("create", ws, o1), false},
		{"bannedadmin", "create its workspaces in org1", ownedCheck("create", ws, o1, "me"), false},
		{"bannedadmin", "update workspaces of org1", orgCheck("update", ws, o1), true},
		{"bannedadmin", "delete alice's workspace", objectCheck("delete", ws, alice), true},
	}
}

func TestModelTable(t *testing.T) {
	t.Parallel()
	w := newModelWorld(t)
	rows := w.rows()

	byWho := map[string][]modelRow{}
	for _, r := range rows {
		require.Contains(t, w.people, r.who)
		byWho[r.who] = append(byWho[r.who], r)
	}
	for role, holders := range roleHolders {
		var answers []bool
		for _, who := range holders {
			for _, r := range byWho[who] {
				answers = append(answers, r.want)
			}
		}
		assert.Contains(t, answers, true, "role %s is never asked a question whose answer is true", role)
		assert.Contains(t, answers, false, "role %s is never asked a question whose answer is false", role)
	}

	for _, who := range slices.Sorted(maps.Keys(byWho)) {
		// Not parallel: the fixture's clients report to the parent test.
		t.Run(who, func(t *testing.T) {
			requireRows(t, w.people[who].client, byWho[who])
		})
	}

	// The service's own checks follow the same model: the ban stops the
	// banned member's workspace, not the banned owner's.
	resp := w.people["banned"].client.Do(http.MethodPost, "/api/v2/organizations/"+w.org1+"/resources",
		workspaceOf(""))
	assert.Equal(t, http.StatusForbidden, resp.Status, "%s", resp.Body)
	w.people["owner2"].client.CreateResource(w.org1, workspaceOf(""))
}

// requireRows asks every row in one authcheck and each on its own, and
// requires the expected answers from both.
func requireRows(t *testing.T, c *apitest.Client, rows []modelRow) {
	t.Helper()
	checks := make(map[string]sdk.AuthorizationCheck, len(rows))
	for _, r := range rows {
		require.NotContains(t, checks, r.name, "two rows named %q", r.name)
		checks[r.name] = r.check
	}
	together := c.Authcheck(checks)
	require.Len(t, together, len(rows))
	for _, r := range rows {
		assert.Equal(t, r.want, together[r.name], "%s: %s (in one request)", r.who, r.name)
		assert.Equal(t, r.want, c.Check(r.check), "%s: %s (alone)", r.who, r.name)
	}
}

func TestAuthcheckOfManyObjectsMatchesSingleChecks(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	carol := w.owner.CreateUser(userRequest("carol"))

	// 55 workspaces of org1: alice's own, carol's shared with alice, and
	// carol's alone. SpiceDB's bulk check groups items of one type and
	// permission into one dispatch, so a mix of answers in one group is
	// what could come back out of place.
	const n = 55
	var rows []modelRow
	for i := range n {
		var r sdk.Resource
		want := true
		switch i % 3 {
		case 0:
			r = w.alice.CreateResource(w.orgID, workspaceOf(""))
		case 1:
			r = w.owner.CreateResource(w.orgID, workspaceOf(carol.ID))
			w.owner.UpdateACL("workspace", r.ID, shareWithUser(w.aliceID, "use"))
		default:
			r = w.owner.CreateResource(w.orgID, workspaceOf(carol.ID))
			want = false
		}
		name := "read workspace " + strconv.Itoa(i)
		rows = append(rows, modelRow{"alice", name, objectCheck("read", "workspace", r.ID), want})
	}
	requireRows(t, w.alice, rows)

	// The same workspaces for someone who may read them all.
	for i := range rows {
		rows[i].who, rows[i].want = "admin", true
	}
	requireRows(t, w.admin, rows)
}

// requireAnswers asks each named check of c and requires the answer.
func requireAnswers(t *testing.T, c *apitest.Client, want bool,
	checks map[string]sdk.AuthorizationCheck,
) {
	t.Helper()
	got := c.Authcheck(checks)
	for name := range checks {
		assert.Equal(t, want, got[name], name)
	}
}

func TestRemovingAMemberLeavesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	dana := w.owner.CreateUser(userRequest("dana"))
	danaClient := w.srv.Client().Login("dana@example.com", password)
	w.owner.SetMemberRoles(w.orgID, dana.ID, "organization-auditor")
	eng := w.owner.CreateGroup(w.orgID, "eng")
	w.owner.PatchGroup(eng.ID, sdk.PatchGroupRequest{AddUsers: []string{dana.ID}})

	own := danaClient.CreateResource(w.orgID, workspaceOf(""))
	w.alice.UpdateACL("workspace", w.workspace.ID, shareWithUser(dana.ID, "use"))
	private := w.owner.CreateResource(w.orgID, sdk.CreateResourceRequest{
		Type: "template", DisableEveryoneGroupAccess: true,
	})
	w.owner.UpdateACL("template", private.ID, shareWithGroup(eng.ID, "admin"))

	checks := map[string]sdk.AuthorizationCheck{
		"ssh into her workspace":                   objectCheck("ssh", "workspace", own.ID),
		"create her workspaces":                    ownedCheck("create", "workspace", w.orgID, "me"),
		"ssh into alice's workspace (user share)":  objectCheck("ssh", "workspace", w.workspace.ID),
		"update the template (group share)":        objectCheck("update", "template", private.ID),
		"use the template shared with Everyone":    objectCheck("use", "template", w.template.ID),
		"read templates (organization-auditor)":    orgCheck("read", "template", w.orgID),
		"read the organization (member)":           objectCheck("read", "organization", w.orgID),
		"read her group":                           objectCheck("read", "group", eng.ID),
		"read the Everyone group":                  objectCheck("read", "group", w.orgID),
		"read her membership":                      ownedCheck("read", "organization_member", w.orgID, "me"),
		"read the organization's assignable roles": orgCheck("read", "assign_org_role", w.orgID),
	}
	requireAnswers(t, danaClient, true, checks)

	w.owner.RemoveMember(w.orgID, dana.ID)
	requireAnswers(t, danaClient, false, checks)
	// She is still a user; what every user holds stays.
	assert.True(t, danaClient.Check(ownedCheck("read", "user", "", "me")))
	// The others keep theirs.
	assert.True(t, w.alice.Check(objectCheck("ssh", "workspace", w.workspace.ID)))

	// Coming back does not bring back the organization role.
	w.owner.AddMember(w.orgID, dana.ID)
	assert.False(t, danaClient.Check(orgCheck("read", "template", w.orgID)))
	assert.True(t, danaClient.Check(objectCheck("ssh", "workspace", own.ID)))
}

func TestDeletingAGroupLeavesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	eng := w.owner.CreateGroup(w.orgID, "eng")
	w.owner.PatchGroup(eng.ID, sdk.PatchGroupRequest{AddUsers: []string{w.aliceID}})
	private := w.owner.CreateResource(w.orgID, sdk.CreateResourceRequest{
		Type: "template", DisableEveryoneGroupAccess: true,
	})
	w.owner.UpdateACL("template", private.ID, shareWithGroup(eng.ID, "admin"))
	other := w.owner.CreateResource(w.orgID, workspaceOf(w.adminID))
	w.admin.UpdateACL("workspace", other.ID, shareWithGroup(eng.ID, "use"))

	checks := map[string]sdk.AuthorizationCheck{
		"update the template":           objectCheck("update", "template", private.ID),
		"use the template":              objectCheck("use", "template", private.ID),
		"ssh into the shared workspace": objectCheck("ssh", "workspace", other.ID),
		"read the group":                objectCheck("read", "group", eng.ID),
	}
	requireAnswers(t, w.alice, true, checks)
	require.True(t, w.owner.Check(objectCheck("delete", "group", eng.ID)))

	resp := w.admin.Do(http.MethodDelete, "/api/v2/groups/"+eng.ID, nil)
	require.Equal(t, http.StatusNoContent, resp.Status, "%s", resp.Body)

	requireAnswers(t, w.alice, false, checks)
	assert.False(t, w.owner.Check(objectCheck("read", "group", eng.ID)), "the group is gone for everyone")
	assert.Equal(t, http.StatusNotFound, w.owner.Do(http.MethodGet, "/api/v2/groups/"+eng.ID, nil).Status)
	var acl sdk.ACL
	w.owner.Do(http.MethodGet, "/api/v2/resources/template/"+private.ID+"/acl", nil).JSON(t, &acl)
	assert.Empty(t, acl.GroupRoles, "the group's shares are gone")

	// The Everyone group stays.
	resp = w.owner.Do(http.MethodDelete, "/api/v2/groups/"+w.orgID, nil)
	assert.Equal(t, http.StatusBadRequest, resp.Status, "%s", resp.Body)
	assert.True(t, w.alice.Check(objectCheck("use", "template", w.template.ID)))
}

func TestDeletingAResourceLeavesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	eng := w.owner.CreateGroup(w.orgID, "eng")
	w.owner.PatchGroup(eng.ID, sdk.PatchGroupRequest{AddUsers: []string{w.adminID}})
	w.alice.UpdateACL("workspace", w.workspace.ID, shareWithGroup(eng.ID, "admin"))
	w.owner.UpdateACL("template", w.template.ID, shareWithUser(w.adminID, "admin"))

	clients := map[string]*apitest.Client{"alice": w.alice, "admin": w.admin, "owner": w.owner}
	for _, tc := range []struct {
		typ, id string
		deleter *apitest.Client
		// actions are what each person may do with the object before.
		actions map[string][]string
	}{
		{"workspace", w.workspace.ID, w.alice, map[string][]string{
			"alice": {"read", "ssh", "start", "delete"},
			"admin": {"read", "update", "delete"},
			"owner": {"read", "ssh", "delete"},
		}},
		{"template", w.template.ID, w.owner, map[string][]string{
			"alice": {"read", "use"},
			"admin": {"read", "update", "view_insights"},
			"owner": {"read", "update", "delete"},
		}},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			ask := func(want bool, when string) {
				for who, actions := range tc.actions {
					for _, a := range actions {
						got := clients[who].Check(objectCheck(a, tc.typ, tc.id))
						require.Equal(t, want, got, "%s: %s the %s, %s", who, a, tc.typ, when)
					}
				}
			}
			ask(true, "before")
			path := "/api/v2/resources/" + tc.typ + "/" + tc.id
			resp := tc.deleter.Do(http.MethodDelete, path, nil)
			require.Equal(t, http.StatusNoContent, resp.Status, "%s", resp.Body)

			ask(false, "after it is deleted")
			assert.Equal(t, http.StatusNotFound, w.owner.Do(http.MethodGet, path, nil).Status)
		})
	}
}

func TestDeletingAUserLeavesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	erin := w.owner.CreateUser(userRequest("erin"))
	erinClient := w.srv.Client().Login("erin@example.com", password)
	w.owner.SetSiteRoles(erin.ID, "auditor")
	w.owner.SetMemberRoles(w.orgID, erin.ID, "organization-template-admin")
	eng := w.owner.CreateGroup(w.orgID, "eng")
	w.owner.PatchGroup(eng.ID, sdk.PatchGroupRequest{AddUsers: []string{erin.ID}})
	w.alice.UpdateACL("workspace", w.workspace.ID, shareWithUser(erin.ID, "use"))

	requireAnswers(t, erinClient, true, map[string]sdk.AuthorizationCheck{
		"read audit logs (auditor)":               siteCheck("read", "audit_log"),
		"create templates (template admin)":       orgCheck("create", "template", w.orgID),
		"ssh into alice's workspace (user share)": objectCheck("ssh", "workspace", w.workspace.ID),
		"read her group":                          objectCheck("read", "group", eng.ID),
		"read her user":                           ownedCheck("read", "user", "", "me"),
	})
	about := map[string]sdk.AuthorizationCheck{
		"read erin":                 objectCheck("read", "user", erin.ID),
		"update erin":               objectCheck("update", "user", erin.ID),
		"read erin's personal data": objectCheck("read_personal", "user", erin.ID),
	}
	requireAnswers(t, w.owner, true, about)

	resp := w.owner.Do(http.MethodDelete, "/api/v2/users/"+erin.ID, nil)
	require.Equal(t, http.StatusNoContent, resp.Status, "%s", resp.Body)

	// Her sessions are gone with her, so she can ask nothing at all.
	resp = erinClient.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{})
	assert.Equal(t, http.StatusUnauthorized, resp.Status, "%s", resp.Body)
	// Her user object has no relationships left, so not even the owner
	// may do anything with it.
	requireAnswers(t, w.owner, false, about)
	assert.Equal(t, http.StatusNotFound, w.owner.Do(http.MethodGet, "/api/v2/users/"+erin.ID, nil).Status)

	var acl sdk.ACL
	w.alice.Do(http.MethodGet, "/api/v2/resources/workspace/"+w.workspace.ID+"/acl", nil).JSON(t, &acl)
	assert.NotContains(t, acl.UserRoles, erin.ID, "her shares are gone")
	var group sdk.Group
	w.owner.Do(http.MethodGet, "/api/v2/groups/"+eng.ID, nil).JSON(t, &group)
	assert.Empty(t, group.Members, "she left her groups")
}

func TestRoleEndpointsRefuseUnknownRolesAndUnauthorizedCallers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	anon := w.srv.Client()
	signIn := func(name string) (sdk.User, *apitest.Client) {
		u := w.owner.CreateUser(userRequest(name))
		return u, anon.Login(name+"@example.com", password)
	}
	uadmin, uadminClient := signIn("uadmin")
	w.owner.SetSiteRoles(uadmin.ID, "user-admin")
	ouadmin, ouadminClient := signIn("ouadmin")
	w.owner.SetMemberRoles(w.orgID, ouadmin.ID, "organization-user-admin")
	org2 := w.owner.CreateOrganization("second")

	siteRoles := "/api/v2/users/" + w.aliceID + "/roles"
	orgRoles := "/api/v2/organizations/" + w.orgID + "/members/" + w.aliceID + "/roles"
	for _, tc := range []struct {
		name   string
		caller *apitest.Client
		path   string
		roles  []string
		status int
		// valid lists the role names a 400 must offer.
		valid []string
	}{
		{"unknown site role", w.owner, siteRoles, []string{"auditor", "admin"}, http.StatusBadRequest,
			[]string{"owner", "auditor", "template-admin", "user-admin"}},
		{"organization role on the site", w.owner, siteRoles, []string{"organization-admin"}, http.StatusBadRequest,
			[]string{"owner", "auditor", "template-admin", "user-admin"}},
		{"unknown organization role", w.admin, orgRoles, []string{"organization-owner"}, http.StatusBadRequest,
			[]string{"organization-admin", "organization-auditor", "organization-template-admin",
				"organization-user-admin", "organization-workspace-creation-ban"}},
		{"site role in an organization", w.admin, orgRoles, []string{"owner"}, http.StatusBadRequest,
			[]string{"organization-admin", "organization-workspace-creation-ban"}},
		{"user-admin grants owner", uadminClient, siteRoles, []string{"owner"}, http.StatusForbidden, nil},
		{"user-admin grants auditor", uadminClient, siteRoles, []string{"auditor"}, http.StatusForbidden, nil},
		{"user-admin grants an organization role", uadminClient, orgRoles, []string{"organization-auditor"},
			http.StatusForbidden, nil},
		{"organization admin grants a site role", w.admin, siteRoles, []string{"auditor"}, http.StatusForbidden, nil},
		{"organization user-admin grants organization-admin", ouadminClient, orgRoles,
			[]string{"organization-admin"}, http.StatusForbidden, nil},
		{"organization user-admin grants organization-auditor", ouadminClient, orgRoles,
			[]string{"organization-auditor"}, http.StatusForbidden, nil},
		{"organization admin of another organization", w.admin,
			"/api/v2/organizations/" + org2.ID + "/members/" + w.aliceID + "/roles",
			[]string{"organization-admin"}, http.StatusNotFound, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.caller.Do(http.MethodPut, tc.path, sdk.UpdateRoles{Roles: tc.roles})
			require.Equal(t, tc.status, resp.Status, "%s", resp.Body)
			body := resp.Error(t)
			if tc.valid == nil {
				assert.NotEmpty(t, body.Message)
				return
			}
			assert.Equal(t, "Validation failed.", body.Message)
			require.NotEmpty(t, body.Validations)
			assert.Equal(t, "roles", body.Validations[0].Field)
			for _, name := range tc.valid {
				assert.Contains(t, body.Validations[0].Detail, name)
			}
		})
	}

	// Nothing of the refused requests took effect.
	alice := w.alice.Me()
	assert.Empty(t, alice.Roles)
	requireAnswers(t, w.alice, false, map[string]sdk.AuthorizationCheck{
		"read audit logs (auditor)":             siteCheck("read", "audit_log"),
		"read workspaces (organization admin)":  orgCheck("read", "workspace", w.orgID),
		"read templates (organization auditor)": orgCheck("read", "template", w.orgID),
	})

	// An organization admin may grant organization roles, and the grant is
	// in effect at once.
	m := w.admin.SetMemberRoles(w.orgID, w.aliceID, "organization-admin", "organization-auditor")
	assert.Len(t, m.Roles, 2)
	requireAnswers(t, w.alice, true, map[string]sdk.AuthorizationCheck{
		"read workspaces (organization admin)":  orgCheck("read", "workspace", w.orgID),
		"read templates (organization auditor)": orgCheck("read", "template", w.orgID),
	})
	w.owner.SetSiteRoles(w.aliceID, "auditor")
	assert.True(t, w.alice.Check(siteCheck("read", "audit_log")))
	assert.True(t, slices.ContainsFunc(w.alice.Me().Roles, func(r sdk.SlimRole) bool {
		return r.Name == "auditor"
	}))
}
