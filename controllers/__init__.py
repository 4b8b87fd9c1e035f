from . import (
    agent,  # noqa: F401
    main,  # noqa: F401
)
