package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/models"
)

func (a *API) getHealthz(c *gin.Context) {
	c.JSON(http.StatusOK, sdk.Response{Message: "OK"})
}

func (a *API) getReadyz(c *gin.Context) {
	if err := a.svc.Ready(c.Request.Context()); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sdk.Response{Message: "Ready: the database and SpiceDB answer."})
}

func (a *API) getBuildInfo(c *gin.Context) {
	info, err := a.svc.BuildInfo(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, info)
}

func (a *API) getFirstUser(c *gin.Context) {
	exists, err := a.svc.FirstUserExists(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	if !exists {
		writeMessage(c, http.StatusNotFound, "The initial user has not been created!", "")
		return
	}
	c.JSON(http.StatusOK, sdk.Response{Message: "The initial user has already been created!"})
}

func (a *API) postFirstUser(c *gin.Context) {
	var req sdk.CreateFirstUserRequest
	if !a.decode(c, &req) {
		return
	}
	resp, err := a.svc.CreateFirstUser(c.Request.Context(), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, resp)
}

func (a *API) postLogin(c *gin.Context) {
	var req sdk.LoginWithPasswordRequest
	if !a.decode(c, &req) {
		return
	}
	sess, err := a.svc.Login(c.Request.Context(), req.Email, req.Password)
	if err != nil {
		a.fail(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     sdk.SessionTokenCookie,
		Value:    sess.Token,
		Path:     "/",
		Expires:  sess.ExpiresAt,
		HttpOnly: true,
		Secure:   a.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	c.JSON(http.StatusCreated, sdk.LoginWithPasswordResponse{SessionToken: sess.Token})
}

func (a *API) postLogout(c *gin.Context) {
	if err := a.svc.Logout(c.Request.Context(), actorOf(c)); err != nil {
		a.fail(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     sdk.SessionTokenCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   a.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	c.JSON(http.StatusOK, sdk.Response{Message: "Logged out!"})
}

func (a *API) getUser(c *gin.Context) {
	user, err := a.svc.User(c.Request.Context(), actorOf(c), c.Param("user"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, user)
}

func (a *API) postUser(c *gin.Context) {
	var req sdk.CreateUserRequest
	if !a.decode(c, &req) {
		return
	}
	user, err := a.svc.CreateUser(c.Request.Context(), actorOf(c), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, user)
}

func (a *API) deleteUser(c *gin.Context) {
	if err := a.svc.DeleteUser(c.Request.Context(), actorOf(c), c.Param("user")); err != nil {
		a.fail(c, err)
		return
	}
	noContent(c)
}

func (a *API) putUserRoles(c *gin.Context) {
	var req sdk.UpdateRoles
	if !a.decode(c, &req) {
		return
	}
	user, err := a.svc.UpdateSiteRoles(c.Request.Context(), actorOf(c), c.Param("user"), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, user)
}

func (a *API) putUserSuspend(c *gin.Context) { a.putUserStatus(c, models.StatusSuspended) }

func (a *API) putUserActivate(c *gin.Context) { a.putUserStatus(c, models.StatusActive) }

func (a *API) putUserStatus(c *gin.Context, status string) {
	user, err := a.svc.SetUserStatus(c.Request.Context(), actorOf(c), c.Param("user"), status)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, user)
}

func (a *API) postOrganization(c *gin.Context) {
	var req sdk.CreateOrganizationRequest
	if !a.decode(c, &req) {
		return
	}
	org, err := a.svc.CreateOrganization(c.Request.Context(), actorOf(c), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, org)
}

func (a *API) getOrganization(c *gin.Context) {
	org, err := a.svc.Organization(c.Request.Context(), actorOf(c), c.Param("org"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, org)
}

func (a *API) postMember(c *gin.Context) {
	m, err := a.svc.AddMember(c.Request.Context(), actorOf(c), c.Param("org"), c.Param("user"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

func (a *API) deleteMember(c *gin.Context) {
	if err := a.svc.RemoveMember(c.Request.Context(), actorOf(c), c.Param("org"), c.Param("user")); err != nil {
		a.fail(c, err)
		return
	}
	noContent(c)
}

func (a *API) putMemberRoles(c *gin.Context) {
	var req sdk.UpdateRoles
	if !a.decode(c, &req) {
		return
	}
	m, err := a.svc.UpdateMemberRoles(c.Request.Context(), actorOf(c), c.Param("org"), c.Param("user"), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

func (a *API) postGroup(c *gin.Context) {
	var req sdk.CreateGroupRequest
	if !a.decode(c, &req) {
		return
	}
	g, err := a.svc.CreateGroup(c.Request.Context(), actorOf(c), c.Param("org"), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, g)
}

func (a *API) getGroup(c *gin.Context) {
	g, err := a.svc.Group(c.Request.Context(), actorOf(c), c.Param("group"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, g)
}

func (a *API) patchGroup(c *gin.Context) {
	var req sdk.PatchGroupRequest
	if !a.decode(c, &req) {
		return
	}
	g, err := a.svc.PatchGroup(c.Request.Context(), actorOf(c), c.Param("group"), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, g)
}

func (a *API) deleteGroup(c *gin.Context) {
	if err := a.svc.DeleteGroup(c.Request.Context(), actorOf(c), c.Param("group")); err != nil {
		a.fail(c, err)
		return
	}
	noContent(c)
}

func (a *API) postResource(c *gin.Context) {
	var req sdk.CreateResourceRequest
	if !a.decode(c, &req) {
		return
	}
	r, err := a.svc.CreateResource(c.Request.Context(), actorOf(c), c.Param("org"), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, r)
}

func (a *API) getResource(c *gin.Context) {
	r, err := a.svc.Resource(c.Request.Context(), actorOf(c), c.Param("type"), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (a *API) deleteResource(c *gin.Context) {
	if err := a.svc.DeleteResource(c.Request.Context(), actorOf(c), c.Param("type"), c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	noContent(c)
}

func (a *API) getACL(c *gin.Context) {
	acl, err := a.svc.ACL(c.Request.Context(), actorOf(c), c.Param("type"), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, acl)
}

func (a *API) patchACL(c *gin.Context) {
	var req sdk.UpdateACL
	if !a.decode(c, &req) {
		return
	}
	acl, err := a.svc.UpdateACL(c.Request.Context(), actorOf(c), c.Param("type"), c.Param("id"), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, acl)
}

func (a *API) putDormant(c *gin.Context) {
	var req sdk.UpdateDormancy
	if !a.decode(c, &req) {
		return
	}
	r, err := a.svc.SetDormant(c.Request.Context(), actorOf(c), c.Param("type"), c.Param("id"), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// noContent answers 204; the Content-Type is set anyway, since every
// response carries it.
func noContent(c *gin.Context) {
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Status(http.StatusNoContent)
}
