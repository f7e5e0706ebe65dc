# The knowledge base is tested on the same world as search (two clients, a contact, a
# technician, after-commit indexing): one definition of those fixtures, in tests/search.
from tests.search.conftest import acme, acme_contact, globex, indexed, tech  # noqa: F401
