"""Use cases: what each kind of user can do, composed from domain rules and the store."""
