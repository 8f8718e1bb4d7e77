#include "emulator/admin_handler.h"

#include "emulator/json_writer.h"

namespace kwb::emulator {

bool AdminHandler::accepts(const ApiRequest& request) const { return request.target.rfind("/_kwb/", 0) == 0; }

ApiResponse AdminHandler::handle(const ApiRequest& request) {
  ApiResponse response;
  response.content_type = "application/json";
  JsonWriter json(response.body);
  std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path == "/_kwb/health" && (request.method == "GET" || request.method == "HEAD")) {
    json.begin_object();
    json.field("status", "ok");
    json.end_object();
    return response;
  }
  if (path == "/_kwb/state" && request.method == "GET") {
    std::uint64_t records = 0, bytes = 0, reserved = 0, streams = 0, shards = 0;
    json.begin_object();
    json.key("regions");
    json.begin_array();
    for (Engine* engine : backend_.engines()) {
      EngineState state = engine->state();
      records += state.records;
      bytes += state.bytes;
      reserved += state.reserved_bytes;
      json.begin_object();
      json.field("region", engine->region());
      json.key("streams");
      json.begin_array();
      for (const auto& stream : state.streams) {
        ++streams;
        json.begin_object();
        json.field("name", stream.name);
        json.field("status", stream.status);
        json.field("mode", stream.mode);
        json.key("records");
        json.uinteger(stream.records);
        json.key("bytes");
        json.uinteger(stream.bytes);
        json.key("shards");
        json.begin_array();
        for (const auto& shard : stream.shards) {
          ++shards;
          json.begin_object();
          json.field("id", shard.shard_id);
          json.field_bool("open", shard.open);
          json.key("records");
          json.uinteger(shard.records);
          json.key("bytes");
          json.uinteger(shard.bytes);
          json.end_object();
        }
        json.end_array();
        json.end_object();
      }
      json.end_array();
      json.end_object();
    }
    json.end_array();
    json.key("streams");
    json.uinteger(streams);
    json.key("shards");
    json.uinteger(shards);
    json.key("records");
    json.uinteger(records);
    json.key("bytes");
    json.uinteger(bytes);
    json.key("reserved_bytes");
    json.uinteger(reserved);
    json.end_object();
    return response;
  }
  if (path == "/_kwb/reset" && request.method == "POST") {
    for (Engine* engine : backend_.engines()) engine->reset();
    json.begin_object();
    json.field("status", "reset");
    json.end_object();
    return response;
  }
  response.status = 404;
  json.begin_object();
  json.field("message", "unknown admin endpoint");
  json.end_object();
  return response;
}

}  // namespace kwb::emulator
