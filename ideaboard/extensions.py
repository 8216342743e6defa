"""Every Flask extension object, created unbound and initialised by the factory."""

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
