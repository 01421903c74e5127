"""Who is calling: token verification, principals, and the API's authorizer."""
