import sys

from shelter import create_app
from shelter.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # a clear sentence, not a traceback, for a misconfigured server
    sys.exit(f"Shelter cannot start: {error}")
