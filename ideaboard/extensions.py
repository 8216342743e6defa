"""Every Flask extension object, created unbound and initialised by the factory."""

from typing import TYPE_CHECKING, ClassVar

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from ideaboard.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Per-address limits on sign-up and password reset (decorators in accounts.routes). The
# limits keyed by account or person, and log-in's, live in ideaboard.core.throttling.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# The base class of every model. At run time it is db.Model, which Flask-SQLAlchemy builds
# from Base's body and its mixins; a type checker cannot take a base class from an
# attribute (python/mypy#8603, "Name 'db.Model' is not defined"), so the checker is given
# the parts the models use under a plain name.
if TYPE_CHECKING:
    import sqlalchemy as sa
    from flask_sqlalchemy.model import Model as _FlaskSQLAlchemyModel

    class Model(_FlaskSQLAlchemyModel, Base):
        """db.Model as the checker sees it: our Base with Flask-SQLAlchemy's ``query``."""

        # Every model names its table, so each is mapped to a Table, not any FromClause.
        __table__: ClassVar[sa.Table]

else:
    Model = db.Model
