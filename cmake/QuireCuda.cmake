# QUIRE_CUDA=AUTO|ON|OFF. AUTO builds kernels/cuda when nvcc is found; ON requires it.
# Sets QUIRE_HAVE_CUDA. Default architectures: Ampere (sm_80), Ada (sm_89), Hopper (sm_90);
# override with -DCMAKE_CUDA_ARCHITECTURES=... as usual.
set(QUIRE_HAVE_CUDA OFF)
if(NOT QUIRE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER)
    # Debian's PATH may lack the toolkit's default prefix; look there before giving up.
    find_program(QUIRE_NVCC nvcc HINTS /usr/local/cuda/bin)
    if(QUIRE_NVCC)
      set(CMAKE_CUDA_COMPILER "${QUIRE_NVCC}" CACHE FILEPATH "CUDA compiler")
    endif()
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80 89 90 CACHE STRING "CUDA architectures")
    endif()
    enable_language(CUDA)
    # CMake 3.25 knows no CUDA20 dialect flag for nvcc; the .cu files need only C++17.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(QUIRE_HAVE_CUDA ON)
  elseif(QUIRE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "QUIRE_CUDA=ON but no CUDA compiler (nvcc) was found. Install the CUDA "
                        "Toolkit or configure with -DQUIRE_CUDA=AUTO or OFF.")
  else()
    message(STATUS "CUDA compiler not found: building without the CUDA backend (QUIRE_CUDA=AUTO)")
  endif()
endif()
