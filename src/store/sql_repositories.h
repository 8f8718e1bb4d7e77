#pragma once
// The repositories of repositories.h, written once in SQL both backends accept. Internal to the
// store module.

#include <memory>
#include <mutex>

#include "core/clock.h"
#include "store/repositories.h"
#include "store/sql_connection.h"

namespace kwb::store {

// Purpose: a SqlConnection made safe to share. Owns the connection.
// Thread safety: every call takes the mutex for the length of one statement.
class SerializedConnection {
 public:
  explicit SerializedConnection(std::unique_ptr<SqlConnection> connection) : connection_(std::move(connection)) {}
  [[nodiscard]] Dialect dialect() const { return connection_->dialect(); }
  [[nodiscard]] Result<SqlResult> query(std::string_view sql, const std::vector<SqlValue>& params) {
    std::lock_guard lock(mutex_);
    return connection_->query(sql, params);
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<SqlConnection> connection_;  // GUARDED_BY(mutex_)
};

std::unique_ptr<UserRepository> make_user_repository(SerializedConnection& db, const Clock& clock);
std::unique_ptr<ResourceRepository> make_resource_repository(SerializedConnection& db, const Clock& clock);
std::unique_ptr<AuditRepository> make_audit_repository(SerializedConnection& db, const Clock& clock);
std::unique_ptr<TokenRevocationRepository> make_token_revocation_repository(SerializedConnection& db,
                                                                             const Clock& clock);
std::unique_ptr<AnalysisRepository> make_analysis_repository(SerializedConnection& db, const Clock& clock);

}  // namespace kwb::store
