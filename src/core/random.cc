#include "core/random.h"

namespace kwb {

SeededRandom& process_random() {
  static SeededRandom random(std::random_device{}());
  return random;
}

}  // namespace kwb
