// `kwb streams list|create|describe|delete|scale|tag|untag`: stream management over
// kinesis::Client. Each subcommand parses into a small options struct, and its callback hands
// the work to Context::set_action (see context.h for why).

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "cli/context.h"
#include "kinesis/resharding.h"
#include "kinesis/waiters.h"

namespace kwb::cli {

namespace {

using nlohmann::json;
using kinesis::StreamRef;

std::string mode_text(const std::optional<kinesis::StreamMode>& mode) {
  return mode ? std::string(kinesis::to_string(*mode)) : "-";
}

kinesis::WaitOptions wait_options(int timeout_seconds) {
  kinesis::WaitOptions options;
  options.timeout = std::chrono::seconds(timeout_seconds);
  return options;
}

// "k=v" -> (k, v). A missing '=' is a usage error naming the argument.
Result<std::pair<std::string, std::string>> parse_tag(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Error::invalid_input("tag", "tags are KEY=VALUE, got '" + text + "'");
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

Result<std::map<std::string, std::string>> parse_tags(const std::vector<std::string>& items) {
  std::map<std::string, std::string> tags;
  for (const auto& item : items) {
    auto tag = parse_tag(item);
    if (!tag) return tag.error();
    tags[tag->first] = tag->second;
  }
  return tags;
}

json summary_json(const kinesis::StreamSummary& s) {
  json out = {{"stream_name", s.stream_name},
              {"stream_arn", s.stream_arn},
              {"status", s.stream_status_text},
              {"mode", s.stream_mode ? json(std::string(kinesis::to_string(*s.stream_mode))) : json(nullptr)},
              {"open_shard_count", s.open_shard_count},
              {"retention_period_hours", s.retention_period_hours},
              {"created", time_json(s.stream_creation_timestamp)},
              {"encryption_type", s.encryption_type},
              {"shard_level_metrics", s.shard_level_metrics}};
  if (s.consumer_count) out["consumer_count"] = *s.consumer_count;
  return out;
}

// ---- list ----

struct ListOptions {
  int limit = 0;
};

Status run_list(const ListOptions& options, Context& context) {
  auto client = context.kinesis();
  if (!client) return client.error();
  Result<kinesis::ListStreamsResponse> listed = [&]() -> Result<kinesis::ListStreamsResponse> {
    if (options.limit > 0) {
      kinesis::ListStreamsRequest request;
      request.limit = options.limit;
      return (*client)->list_streams(request);
    }
    return (*client)->list_all_streams();
  }();
  if (!listed) return listed.error();
  if (context.output() == OutputFormat::kJson) {
    json streams = json::array();
    for (const auto& s : listed->streams) {
      streams.push_back({{"stream_name", s.stream_name},
                         {"stream_arn", s.stream_arn.empty() ? json(nullptr) : json(s.stream_arn)},
                         {"status", s.stream_status_text.empty() ? json(nullptr) : json(s.stream_status_text)},
                         {"mode", s.stream_mode ? json(std::string(kinesis::to_string(*s.stream_mode))) : json(nullptr)},
                         {"created", time_json(s.stream_creation_timestamp)}});
    }
    print_json(context.out(), {{"streams", streams}, {"has_more", listed->has_more_streams}});
    return ok_status();
  }
  Table table({"NAME", "STATUS", "MODE", "CREATED"});
  for (const auto& s : listed->streams) {
    table.add_row({s.stream_name, s.stream_status_text.empty() ? "-" : s.stream_status_text, mode_text(s.stream_mode),
                   format_time(s.stream_creation_timestamp)});
  }
  table.print(context.out());
  if (listed->has_more_streams) context.err() << "(more streams exist; drop --limit to list all)\n";
  return ok_status();
}

// ---- create ----

struct CreateOptions {
  std::string name;
  int shards = 0;
  bool on_demand = false;
  bool wait = false;
  int wait_timeout = 300;
  std::vector<std::string> tags;
};

Status run_create(const CreateOptions& options, Context& context) {
  if (options.shards <= 0 && !options.on_demand) {
    return Error::invalid_input("--shards", "give --shards N (provisioned) or --on-demand");
  }
  kinesis::CreateStreamRequest request;
  request.stream_name = StreamName(options.name);
  if (options.on_demand) {
    request.mode = kinesis::StreamMode::kOnDemand;
  } else {
    request.shard_count = options.shards;
  }
  auto tags = parse_tags(options.tags);
  if (!tags) return tags.error();
  request.tags = std::move(*tags);
  // Validate before building a session, so a bad name is a usage error even without credentials.
  KWB_RETURN_IF_ERROR(kinesis::validate_stream_name(options.name));
  auto client = context.kinesis();
  if (!client) return client.error();
  KWB_RETURN_IF_ERROR((*client)->create_stream(request));
  StreamRef stream = request.stream_name;
  std::string status = "CREATING";
  json details = {{"stream_name", options.name}};
  if (options.wait) {
    auto active = kinesis::wait_for_stream_active(**client, stream, context.clock(), wait_options(options.wait_timeout));
    if (!active) return context.stream_error(active.error(), stream);
    details = summary_json(*active);
    status = active->stream_status_text;
  } else {
    details["status"] = status;
  }
  if (context.output() == OutputFormat::kJson) {
    print_json(context.out(), details);
  } else {
    context.out() << "stream '" << options.name << "' "
                  << (options.wait ? "is " + status : std::string("is being created")) << " ("
                  << (options.on_demand ? std::string("on-demand") : std::to_string(options.shards) + " shards")
                  << ")\n";
  }
  return ok_status();
}

// ---- describe ----

struct StreamOptions {
  std::string name;
};

Status run_describe(const StreamOptions& options, Context& context) {
  StreamRef stream = StreamRef::parse(options.name);
  KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(stream));
  auto client = context.kinesis();
  if (!client) return client.error();
  auto summary = (*client)->describe_stream_summary(stream);
  if (!summary) return context.stream_error(summary.error(), stream);
  auto shards = (*client)->list_all_shards(stream);
  if (!shards) return context.stream_error(shards.error(), stream);
  auto tags = (*client)->list_all_tags(stream);
  if (!tags) return context.stream_error(tags.error(), stream);

  if (context.output() == OutputFormat::kJson) {
    json out = summary_json(*summary);
    json shard_list = json::array();
    for (const auto& shard : *shards) {
      shard_list.push_back(
          {{"shard_id", shard.shard_id.str()},
           {"open", shard.is_open()},
           {"parent_shard_id", shard.parent_shard_id ? json(shard.parent_shard_id->str()) : json(nullptr)},
           {"adjacent_parent_shard_id",
            shard.adjacent_parent_shard_id ? json(shard.adjacent_parent_shard_id->str()) : json(nullptr)},
           {"starting_hash_key", shard.hash_key_range.starting_hash_key},
           {"ending_hash_key", shard.hash_key_range.ending_hash_key},
           {"starting_sequence_number", shard.sequence_number_range.starting_sequence_number},
           {"ending_sequence_number", shard.sequence_number_range.ending_sequence_number
                                          ? json(*shard.sequence_number_range.ending_sequence_number)
                                          : json(nullptr)}});
    }
    out["shards"] = shard_list;
    json tag_object = json::object();
    for (const auto& tag : *tags) tag_object[tag.key] = tag.value;
    out["tags"] = tag_object;
    print_json(context.out(), out);
    return ok_status();
  }
  std::string tag_text;
  for (const auto& tag : *tags) tag_text += (tag_text.empty() ? "" : ", ") + tag.key + "=" + tag.value;
  std::string metrics;
  for (const auto& m : summary->shard_level_metrics) metrics += (metrics.empty() ? "" : ", ") + m;
  print_key_values(context.out(), {{"name", summary->stream_name},
                                   {"arn", summary->stream_arn.empty() ? "-" : summary->stream_arn},
                                   {"status", summary->stream_status_text},
                                   {"mode", mode_text(summary->stream_mode)},
                                   {"open shards", std::to_string(summary->open_shard_count)},
                                   {"retention", std::to_string(summary->retention_period_hours) + " h"},
                                   {"created", format_time(summary->stream_creation_timestamp)},
                                   {"encryption", summary->encryption_type.empty() ? "-" : summary->encryption_type},
                                   {"shard metrics", metrics.empty() ? "-" : metrics},
                                   {"tags", tag_text.empty() ? "-" : tag_text}});
  context.out() << '\n';
  Table table({"SHARD", "STATE", "PARENT", "STARTING HASH KEY", "ENDING HASH KEY"});
  for (const auto& shard : *shards) {
    std::string parents = shard.parent_shard_id ? shard.parent_shard_id->str() : "-";
    if (shard.adjacent_parent_shard_id) parents += "+" + shard.adjacent_parent_shard_id->str();
    table.add_row({shard.shard_id.str(), shard.is_open() ? "OPEN" : "CLOSED", parents,
                   shard.hash_key_range.starting_hash_key, shard.hash_key_range.ending_hash_key});
  }
  table.print(context.out());
  return ok_status();
}

// ---- delete ----

struct DeleteOptions {
  std::string name;
  bool force = false;
  bool wait = false;
  int wait_timeout = 300;
};

Status run_delete(const DeleteOptions& options, Context& context) {
  StreamRef stream = StreamRef::parse(options.name);
  KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(stream));
  auto client = context.kinesis();
  if (!client) return client.error();
  Status deleted = (*client)->delete_stream({stream, options.force});
  if (!deleted) return context.stream_error(deleted.error(), stream);
  if (options.wait) {
    Status gone = kinesis::wait_for_stream_deleted(**client, stream, context.clock(), wait_options(options.wait_timeout));
    if (!gone) return gone.error();
  }
  const std::string status = options.wait ? "DELETED" : "DELETING";
  if (context.output() == OutputFormat::kJson) {
    print_json(context.out(), {{"stream_name", stream.name()}, {"status", status}});
  } else {
    context.out() << "stream '" << stream.name() << "' " << (options.wait ? "is deleted" : "is being deleted") << '\n';
  }
  return ok_status();
}

// ---- scale ----

struct ScaleOptions {
  std::string name;
  int shards = 0;
  int wait_timeout = 600;
};

Status run_scale(const ScaleOptions& options, Context& context) {
  StreamRef stream = StreamRef::parse(options.name);
  KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(stream));
  auto client = context.kinesis();
  if (!client) return client.error();
  json steps = json::array();
  auto result = kinesis::scale_stream(
      **client, stream, options.shards, context.clock(), wait_options(options.wait_timeout),
      [&](const kinesis::ScaleProgress& p) {
        steps.push_back({{"from", p.from}, {"to", p.to}});
        // Progress goes to stderr so stdout stays the result alone.
        context.err() << "step " << p.step << "/" << p.steps << ": " << p.from << " -> " << p.to << " shards\n";
      });
  if (!result) return context.stream_error(result.error(), stream);
  if (context.output() == OutputFormat::kJson) {
    json out = summary_json(*result);
    out["steps"] = steps;
    print_json(context.out(), out);
  } else {
    context.out() << "stream '" << stream.name() << "' has " << result->open_shard_count << " open shards ("
                  << steps.size() << (steps.size() == 1 ? " step" : " steps") << ")\n";
  }
  return ok_status();
}

// ---- tag / untag ----

struct TagOptions {
  std::string name;
  std::vector<std::string> items;
};

Status run_tag(const TagOptions& options, Context& context) {
  StreamRef stream = StreamRef::parse(options.name);
  KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(stream));
  auto tags = parse_tags(options.items);
  if (!tags) return tags.error();
  auto client = context.kinesis();
  if (!client) return client.error();
  Status added = (*client)->add_tags_to_stream({stream, *tags});
  if (!added) return context.stream_error(added.error(), stream);
  if (context.output() == OutputFormat::kJson) {
    print_json(context.out(), {{"stream_name", stream.name()}, {"added", *tags}});
  } else {
    context.out() << "tagged stream '" << stream.name() << "' with " << tags->size()
                  << (tags->size() == 1 ? " tag" : " tags") << '\n';
  }
  return ok_status();
}

Status run_untag(const TagOptions& options, Context& context) {
  StreamRef stream = StreamRef::parse(options.name);
  KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(stream));
  auto client = context.kinesis();
  if (!client) return client.error();
  Status removed = (*client)->remove_tags_from_stream({stream, options.items});
  if (!removed) return context.stream_error(removed.error(), stream);
  if (context.output() == OutputFormat::kJson) {
    print_json(context.out(), {{"stream_name", stream.name()}, {"removed", options.items}});
  } else {
    context.out() << "removed " << options.items.size() << (options.items.size() == 1 ? " tag" : " tags")
                  << " from stream '" << stream.name() << "'\n";
  }
  return ok_status();
}

}  // namespace

void register_streams_command(CLI::App& app, Context& context) {
  CLI::App* streams = app.add_subcommand("streams", "Create, inspect, scale, tag and delete streams");

  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = streams->add_subcommand("list", "List the streams in the region");
  list_cmd->add_option("--limit", list->limit, "return one page of at most N streams")->check(CLI::Range(1, 10000));
  list_cmd->callback([list, &context] { context.set_action([list, &context] { return run_list(*list, context); }); });

  auto create = std::make_shared<CreateOptions>();
  CLI::App* create_cmd = streams->add_subcommand("create", "Create a stream");
  create_cmd->add_option("name", create->name, "stream name")->required();
  auto* shards = create_cmd->add_option("--shards", create->shards, "number of shards (provisioned mode)")
                     ->check(CLI::Range(1, 100000));
  auto* on_demand = create_cmd->add_flag("--on-demand", create->on_demand, "on-demand capacity mode");
  shards->excludes(on_demand);
  create_cmd->add_option("--tag", create->tags, "KEY=VALUE tag (repeatable)");
  create_cmd->add_flag("--wait", create->wait, "wait until the stream is ACTIVE");
  create_cmd->add_option("--wait-timeout", create->wait_timeout, "seconds to wait (default 300)")
      ->check(CLI::Range(1, 86400));
  create_cmd->callback(
      [create, &context] { context.set_action([create, &context] { return run_create(*create, context); }); });

  auto describe = std::make_shared<StreamOptions>();
  CLI::App* describe_cmd = streams->add_subcommand("describe", "Show a stream's summary, shards and tags");
  describe_cmd->add_option("name", describe->name, "stream name or ARN")->required();
  describe_cmd->callback(
      [describe, &context] { context.set_action([describe, &context] { return run_describe(*describe, context); }); });

  auto remove = std::make_shared<DeleteOptions>();
  CLI::App* delete_cmd = streams->add_subcommand("delete", "Delete a stream");
  delete_cmd->add_option("name", remove->name, "stream name or ARN")->required();
  delete_cmd->add_flag("--force", remove->force, "also deregister its enhanced fan-out consumers");
  delete_cmd->add_flag("--wait", remove->wait, "wait until the stream is gone");
  delete_cmd->add_option("--wait-timeout", remove->wait_timeout, "seconds to wait (default 300)")
      ->check(CLI::Range(1, 86400));
  delete_cmd->callback(
      [remove, &context] { context.set_action([remove, &context] { return run_delete(*remove, context); }); });

  auto scale = std::make_shared<ScaleOptions>();
  CLI::App* scale_cmd = streams->add_subcommand(
      "scale", "Change the shard count (UNIFORM_SCALING), in steps of at most x2 or x1/2, waiting between steps");
  scale_cmd->add_option("name", scale->name, "stream name or ARN")->required();
  scale_cmd->add_option("--shards", scale->shards, "target number of open shards")
      ->required()
      ->check(CLI::Range(1, 100000));
  scale_cmd->add_option("--wait-timeout", scale->wait_timeout, "seconds to wait for each step (default 600)")
      ->check(CLI::Range(1, 86400));
  scale_cmd->callback(
      [scale, &context] { context.set_action([scale, &context] { return run_scale(*scale, context); }); });

  auto tag = std::make_shared<TagOptions>();
  CLI::App* tag_cmd = streams->add_subcommand("tag", "Add or overwrite tags: kwb streams tag NAME KEY=VALUE ...");
  tag_cmd->add_option("name", tag->name, "stream name or ARN")->required();
  tag_cmd->add_option("tags", tag->items, "KEY=VALUE pairs")->required();
  tag_cmd->callback([tag, &context] { context.set_action([tag, &context] { return run_tag(*tag, context); }); });

  auto untag = std::make_shared<TagOptions>();
  CLI::App* untag_cmd = streams->add_subcommand("untag", "Remove tags: kwb streams untag NAME KEY ...");
  untag_cmd->add_option("name", untag->name, "stream name or ARN")->required();
  untag_cmd->add_option("keys", untag->items, "tag keys")->required();
  untag_cmd->callback(
      [untag, &context] { context.set_action([untag, &context] { return run_untag(*untag, context); }); });
}

}  // namespace kwb::cli
