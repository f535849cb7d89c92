#include "app/store/user_database.h"

namespace quire::app {

Result<Database> open_user_database(const Paths& paths) {
  if (auto ok = create_dirs(paths); !ok) return ok.error();
  return Database::open(paths.database());
}

}  // namespace quire::app
