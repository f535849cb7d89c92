// Opening the person's own database (Paths::database()), for front ends (CLI, GUI workers).
#pragma once

#include "app/store/database.h"
#include "app/store/paths.h"

namespace quire::app {

// Creates the data folder when missing and opens (and migrates) the database in it. Call once per
// thread that needs the store.
Result<Database> open_user_database(const Paths& paths);

}  // namespace quire::app
