#pragma once
// A vector of trivially copyable elements with N elements stored inline: parsing a typical
// version allocates nothing.

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

namespace envlock::spec {

template <class T, std::size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  SmallVector() = default;
  SmallVector(const SmallVector& other) { assign(other); }
  SmallVector(SmallVector&& other) noexcept { steal(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      m_size = 0;
      assign(other);
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      steal(other);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  T* data() { return m_heap ? m_heap : m_inline; }
  const T* data() const { return m_heap ? m_heap : m_inline; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& back() { return data()[m_size - 1]; }
  const T& back() const { return data()[m_size - 1]; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + m_size; }
  void clear() { m_size = 0; }

  void push_back(const T& value) {
    if (m_size == m_capacity) grow(m_capacity * 2);
    data()[m_size++] = value;
  }

 private:
  void grow(std::size_t capacity) {
    T* heap = static_cast<T*>(std::malloc(capacity * sizeof(T)));
    if (heap == nullptr) throw std::bad_alloc();
    std::memcpy(static_cast<void*>(heap), data(), m_size * sizeof(T));
    std::free(m_heap);
    m_heap = heap;
    m_capacity = capacity;
  }
  void assign(const SmallVector& other) {
    if (other.m_size > m_capacity) grow(other.m_size);
    std::memcpy(static_cast<void*>(data()), other.data(), other.m_size * sizeof(T));
    m_size = other.m_size;
  }
  void steal(SmallVector& other) {
    if (other.m_heap) {
      m_heap = other.m_heap;
      m_capacity = other.m_capacity;
      other.m_heap = nullptr;
      other.m_capacity = N;
    } else {
      m_heap = nullptr;
      m_capacity = N;
      std::memcpy(static_cast<void*>(m_inline), other.m_inline, other.m_size * sizeof(T));
    }
    m_size = other.m_size;
    other.m_size = 0;
  }
  void release() {
    std::free(m_heap);
    m_heap = nullptr;
    m_capacity = N;
    m_size = 0;
  }

  T* m_heap = nullptr;
  std::size_t m_size = 0;
  std::size_t m_capacity = N;
  T m_inline[N];
};

}  // namespace envlock::spec
