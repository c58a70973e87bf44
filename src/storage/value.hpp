#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace shop::storage {

// One SQL parameter or column value. `int`, `long` and `bool` convert to int64, `const char*`
// and std::string to text; use to_value() for std::string_view and std::optional.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

// A text parameter from a view (std::variant does not convert string_view implicitly).
inline Value to_value(std::string_view text) {
  return std::string(text);
}

// A nullable parameter: std::nullopt binds SQL NULL.
template <class T>
Value to_value(const std::optional<T>& maybe) {
  if (!maybe) return nullptr;
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return std::string(std::string_view(*maybe));
  } else {
    return Value(*maybe);
  }
}

// One result row; values are owned copies, read by column index.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  std::size_t size() const noexcept { return values_.size(); }
  const Value& at(std::size_t i) const { return values_.at(i); }
  bool is_null(std::size_t i) const;

  // Typed getters throw std::logic_error on NULL or on a value of another type.
  std::int64_t get_int(std::size_t i) const;
  double get_double(std::size_t i) const;  // also accepts an integer value
  const std::string& get_text(std::size_t i) const;
  bool get_bool(std::size_t i) const;  // an integer, 0 is false

  // Same, but NULL gives std::nullopt.
  std::optional<std::int64_t> get_opt_int(std::size_t i) const;
  std::optional<double> get_opt_double(std::size_t i) const;
  std::optional<std::string> get_opt_text(std::size_t i) const;

 private:
  std::vector<Value> values_;
};

// The outcome of one statement: rows (if any), their column names, and rows changed.
class Result {
 public:
  Result() = default;
  Result(std::vector<std::string> columns, std::vector<Row> rows, std::int64_t affected_rows)
      : columns_(std::move(columns)), rows_(std::move(rows)), affected_rows_(affected_rows) {}

  const std::vector<std::string>& columns() const noexcept { return columns_; }
  // On a temporary Result the rows are moved out, so `for (auto& row : tx.execute(...).rows())`
  // does not dangle.
  const std::vector<Row>& rows() const& noexcept { return rows_; }
  std::vector<Row> rows() && noexcept { return std::move(rows_); }
  bool empty() const noexcept { return rows_.empty(); }
  std::size_t size() const noexcept { return rows_.size(); }
  // The first row; throws std::logic_error when there is none.
  const Row& front() const&;
  Row front() &&;
  // Rows inserted, updated or deleted by the statement itself (0 for queries and DDL).
  std::int64_t affected_rows() const noexcept { return affected_rows_; }

 private:
  std::vector<std::string> columns_;
  std::vector<Row> rows_;
  std::int64_t affected_rows_ = 0;
};

}  // namespace shop::storage
