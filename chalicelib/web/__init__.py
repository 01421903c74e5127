"""The web pages: a second adapter over the API's services, for people (server-rendered, signed in with
OpenID Connect, sessions on the server). See DESIGN.md section 7."""
