"""Entry script of the packaged executable: the same ``mattestudio`` entry as the console script (the app without
a subcommand, the headless tools with one)."""

import multiprocessing

from mattestudio.app.frozen_cache import configure

if __name__ == "__main__":
    multiprocessing.freeze_support()
    configure()  # before numba is imported: the compiled code that ships in the bundle
    from mattestudio.app.entry import main

    main()
