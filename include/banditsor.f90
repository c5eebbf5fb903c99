! SPDX-License-Identifier: MIT OR Apache-2.0
!
! banditsor.f90: Fortran 2008 module `banditsor` over the banditsor C API
! (banditsor.h) through ISO_C_BINDING.
!
! Compile this file with your program (module files are compiler-specific,
! so the module ships as source; CMake: add ${BanditSOR_FORTRAN_MODULE_SOURCE}
! to the target's sources) and link libbanditsor.
!
!   use banditsor
!   type(bsor_pc_t) :: pc
!   call bsor_pc_create(pc)
!   call bsor_pc_set_operator_csr(pc, n, rowptr, colind, values, one_based=.true.)
!   call bsor_solve(pc, BSOR_METHOD_SSOR_CG, b, x, 1d-8, 1000_int64, its)
!   call bsor_pc_destroy(pc)
!
! Conventions:
! - every wrapper is a subroutine with an optional last argument
!   `status` (integer). If present it receives the bsor_status code
!   (BSOR_OK = 0) and the call returns normally; if absent, a failure
!   prints bsor_last_error() to standard error and stops the program
!   (error stop);
! - logical arguments replace the C 0/1 flags, character(*) the C strings;
! - `context` arguments are optional (absent = no context);
! - CSR arrays are 0-based like the C API unless `one_based=.true.` is
!   passed, in which case 1-based rowptr/colind (rowptr(1) = 1) are
!   converted on the fly;
! - the raw C functions are available as c_bsor_* (bind(C) interfaces).
module banditsor
  use, intrinsic :: iso_c_binding
  use, intrinsic :: iso_fortran_env, only: error_unit, int32, int64
  use, intrinsic :: ieee_arithmetic, only: ieee_value, ieee_quiet_nan
  implicit none
  private

  ! ----- bsor_status (never reused) ---------------------------------------
  integer(c_int), parameter, public :: BSOR_OK = 0
  integer(c_int), parameter, public :: BSOR_ERR_NULL_POINTER = 1
  integer(c_int), parameter, public :: BSOR_ERR_PANIC = 2
  integer(c_int), parameter, public :: BSOR_ERR_INVALID_SIZE = 3
  integer(c_int), parameter, public :: BSOR_ERR_INCONSISTENT_SIZES = 4
  integer(c_int), parameter, public :: BSOR_ERR_INVALID_ROW_POINTER = 5
  integer(c_int), parameter, public :: BSOR_ERR_COLUMN_OUT_OF_RANGE = 6
  integer(c_int), parameter, public :: BSOR_ERR_UNSORTED_COLUMNS = 7
  integer(c_int), parameter, public :: BSOR_ERR_DUPLICATE_COLUMN = 8
  integer(c_int), parameter, public :: BSOR_ERR_NON_FINITE_VALUE = 9
  integer(c_int), parameter, public :: BSOR_ERR_MISSING_DIAGONAL = 10
  integer(c_int), parameter, public :: BSOR_ERR_ZERO_DIAGONAL = 11
  integer(c_int), parameter, public :: BSOR_ERR_INVALID_OMEGA = 12
  integer(c_int), parameter, public :: BSOR_ERR_INVALID_RANGE = 13
  integer(c_int), parameter, public :: BSOR_ERR_INVALID_GRID_SIZE = 14
  integer(c_int), parameter, public :: BSOR_ERR_INVALID_ARGUMENT = 15
  integer(c_int), parameter, public :: BSOR_ERR_DIMENSION_MISMATCH = 16
  integer(c_int), parameter, public :: BSOR_ERR_NO_OPERATOR = 17
  integer(c_int), parameter, public :: BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE = 18
  integer(c_int), parameter, public :: BSOR_ERR_NEGATIVE_ITERATIONS = 19
  integer(c_int), parameter, public :: BSOR_ERR_STATE_IO = 20
  integer(c_int), parameter, public :: BSOR_ERR_STATE_CORRUPT = 21
  integer(c_int), parameter, public :: BSOR_ERR_STATE_MISMATCH = 22
  integer(c_int), parameter, public :: BSOR_ERR_NOT_CONVERGED = 23
  integer(c_int), parameter, public :: BSOR_ERR_MISALIGNED_POINTER = 24

  ! ----- bsor_learner, bsor_sweep, bsor_method ----------------------------
  integer(c_int32_t), parameter, public :: BSOR_LEARNER_FIXED = 0
  integer(c_int32_t), parameter, public :: BSOR_LEARNER_TSALLIS_INF = 1
  integer(c_int32_t), parameter, public :: BSOR_LEARNER_CHEBCB = 2
  integer(c_int32_t), parameter, public :: BSOR_LEARNER_TSALLIS_INF_CB = 3
  integer(c_int32_t), parameter, public :: BSOR_SWEEP_FORWARD = 0
  integer(c_int32_t), parameter, public :: BSOR_SWEEP_BACKWARD = 1
  integer(c_int32_t), parameter, public :: BSOR_SWEEP_SYMMETRIC = 2
  integer(c_int32_t), parameter, public :: BSOR_METHOD_SOR = 0
  integer(c_int32_t), parameter, public :: BSOR_METHOD_SSOR_CG = 1
  integer(c_int32_t), parameter, public :: BSOR_METHOD_CG = 2

  !> Solve statistics (struct bsor_stats).
  type, bind(c), public :: bsor_stats_t
    integer(c_int64_t) :: solves = 0
    integer(c_int64_t) :: total_iterations = 0
    integer(c_int64_t) :: failed_solves = 0
    integer(c_int64_t) :: max_converged_iterations = 0
  end type bsor_stats_t

  !> Opaque preconditioner handle (bsor_pc *). Create with bsor_pc_create,
  !> free with bsor_pc_destroy. Copying the variable copies the reference.
  type, public :: bsor_pc_t
    private
    type(c_ptr) :: ptr = c_null_ptr
  end type bsor_pc_t

  public :: bsor_version_string, bsor_last_error, bsor_status_name, bsor_no_context
  public :: bsor_pc_create, bsor_pc_destroy, bsor_pc_associated, bsor_pc_c_ptr
  public :: bsor_pc_set_operator_csr, bsor_pc_update_values, bsor_pc_get_size
  public :: bsor_pc_set_learner, bsor_pc_set_omega, bsor_pc_set_omega_grid
  public :: bsor_pc_set_context_range, bsor_pc_set_seed, bsor_pc_set_sweep
  public :: bsor_pc_set_failure_cost
  public :: bsor_pc_presolve, bsor_pc_apply, bsor_pc_postsolve, bsor_solve
  public :: bsor_pc_get_omega, bsor_pc_get_favourite_omega, bsor_pc_get_stats
  public :: bsor_pc_save_state, bsor_pc_load_state

  ! The raw C API.
  public :: c_bsor_version_string, c_bsor_last_error, c_bsor_status_name
  public :: c_bsor_pc_create, c_bsor_pc_destroy, c_bsor_pc_set_operator_csr
  public :: c_bsor_pc_set_operator_csr_i32, c_bsor_pc_update_values, c_bsor_pc_get_size
  public :: c_bsor_pc_set_learner, c_bsor_pc_set_omega, c_bsor_pc_set_omega_grid
  public :: c_bsor_pc_set_context_range, c_bsor_pc_set_seed, c_bsor_pc_set_sweep
  public :: c_bsor_pc_set_failure_cost, c_bsor_pc_presolve, c_bsor_pc_apply
  public :: c_bsor_pc_postsolve, c_bsor_solve, c_bsor_pc_get_omega
  public :: c_bsor_pc_get_favourite_omega, c_bsor_pc_get_stats
  public :: c_bsor_pc_save_state, c_bsor_pc_load_state

  !> Set the operator from CSR arrays of 64- or 32-bit integers.
  interface bsor_pc_set_operator_csr
    module procedure set_operator_csr_i64, set_operator_csr_i32
  end interface bsor_pc_set_operator_csr

  interface
    function c_bsor_version_string() bind(c, name="bsor_version_string") result(s)
      import :: c_ptr
      type(c_ptr) :: s
    end function
    function c_bsor_last_error() bind(c, name="bsor_last_error") result(s)
      import :: c_ptr
      type(c_ptr) :: s
    end function
    function c_bsor_status_name(status) bind(c, name="bsor_status_name") result(s)
      import :: c_ptr, c_int
      integer(c_int), value :: status
      type(c_ptr) :: s
    end function
    function c_bsor_pc_create(out) bind(c, name="bsor_pc_create") result(s)
      import :: c_ptr, c_int
      type(c_ptr), intent(out) :: out
      integer(c_int) :: s
    end function
    function c_bsor_pc_destroy(pc) bind(c, name="bsor_pc_destroy") result(s)
      import :: c_ptr, c_int
      type(c_ptr), intent(inout) :: pc
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_operator_csr(pc, n, rowptr, colind, values) &
        bind(c, name="bsor_pc_set_operator_csr") result(s)
      import :: c_ptr, c_int, c_int64_t, c_double
      type(c_ptr), value :: pc
      integer(c_int64_t), value :: n
      integer(c_int64_t), intent(in) :: rowptr(*), colind(*)
      real(c_double), intent(in) :: values(*)
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_operator_csr_i32(pc, n, rowptr, colind, values) &
        bind(c, name="bsor_pc_set_operator_csr_i32") result(s)
      import :: c_ptr, c_int, c_int32_t, c_double
      type(c_ptr), value :: pc
      integer(c_int32_t), value :: n
      integer(c_int32_t), intent(in) :: rowptr(*), colind(*)
      real(c_double), intent(in) :: values(*)
      integer(c_int) :: s
    end function
    function c_bsor_pc_update_values(pc, nnz, values) bind(c, name="bsor_pc_update_values") result(s)
      import :: c_ptr, c_int, c_int64_t, c_double
      type(c_ptr), value :: pc
      integer(c_int64_t), value :: nnz
      real(c_double), intent(in) :: values(*)
      integer(c_int) :: s
    end function
    function c_bsor_pc_get_size(pc, n, nnz) bind(c, name="bsor_pc_get_size") result(s)
      import :: c_ptr, c_int, c_int64_t
      type(c_ptr), value :: pc
      integer(c_int64_t), intent(out) :: n, nnz
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_learner(pc, kind) bind(c, name="bsor_pc_set_learner") result(s)
      import :: c_ptr, c_int, c_int32_t
      type(c_ptr), value :: pc
      integer(c_int32_t), value :: kind
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_omega(pc, omega) bind(c, name="bsor_pc_set_omega") result(s)
      import :: c_ptr, c_int, c_double
      type(c_ptr), value :: pc
      real(c_double), value :: omega
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_omega_grid(pc, lo, hi, count) bind(c, name="bsor_pc_set_omega_grid") result(s)
      import :: c_ptr, c_int, c_int32_t, c_double
      type(c_ptr), value :: pc
      real(c_double), value :: lo, hi
      integer(c_int32_t), value :: count
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_context_range(pc, lo, hi) bind(c, name="bsor_pc_set_context_range") result(s)
      import :: c_ptr, c_int, c_double
      type(c_ptr), value :: pc
      real(c_double), value :: lo, hi
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_seed(pc, seed) bind(c, name="bsor_pc_set_seed") result(s)
      ! uint64_t in C: Fortran has no unsigned type; seeds >= 2**63 wrap.
      import :: c_ptr, c_int, c_int64_t
      type(c_ptr), value :: pc
      integer(c_int64_t), value :: seed
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_sweep(pc, kind, its) bind(c, name="bsor_pc_set_sweep") result(s)
      import :: c_ptr, c_int, c_int32_t
      type(c_ptr), value :: pc
      integer(c_int32_t), value :: kind, its
      integer(c_int) :: s
    end function
    function c_bsor_pc_set_failure_cost(pc, cost) bind(c, name="bsor_pc_set_failure_cost") result(s)
      import :: c_ptr, c_int, c_double
      type(c_ptr), value :: pc
      real(c_double), value :: cost
      integer(c_int) :: s
    end function
    function c_bsor_pc_presolve(pc, context, omega_out) bind(c, name="bsor_pc_presolve") result(s)
      import :: c_ptr, c_int, c_double
      type(c_ptr), value :: pc
      real(c_double), value :: context
      real(c_double), intent(out) :: omega_out
      integer(c_int) :: s
    end function
    function c_bsor_pc_apply(pc, r, z) bind(c, name="bsor_pc_apply") result(s)
      import :: c_ptr, c_int, c_double
      type(c_ptr), value :: pc
      real(c_double), intent(in) :: r(*)
      real(c_double), intent(inout) :: z(*)
      integer(c_int) :: s
    end function
    function c_bsor_pc_postsolve(pc, iterations, converged) bind(c, name="bsor_pc_postsolve") result(s)
      import :: c_ptr, c_int, c_int32_t, c_int64_t
      type(c_ptr), value :: pc
      integer(c_int64_t), value :: iterations
      integer(c_int32_t), value :: converged
      integer(c_int) :: s
    end function
    function c_bsor_solve(pc, method, context, b, x, rtol, max_it, iterations_out) &
        bind(c, name="bsor_solve") result(s)
      import :: c_ptr, c_int, c_int32_t, c_int64_t, c_double
      type(c_ptr), value :: pc
      integer(c_int32_t), value :: method
      real(c_double), value :: context
      real(c_double), intent(in) :: b(*)
      real(c_double), intent(inout) :: x(*)
      real(c_double), value :: rtol
      integer(c_int64_t), value :: max_it
      integer(c_int64_t), intent(out) :: iterations_out
      integer(c_int) :: s
    end function
    function c_bsor_pc_get_omega(pc, omega) bind(c, name="bsor_pc_get_omega") result(s)
      import :: c_ptr, c_int, c_double
      type(c_ptr), value :: pc
      real(c_double), intent(out) :: omega
      integer(c_int) :: s
    end function
    function c_bsor_pc_get_favourite_omega(pc, context, omega) &
        bind(c, name="bsor_pc_get_favourite_omega") result(s)
      import :: c_ptr, c_int, c_double
      type(c_ptr), value :: pc
      real(c_double), value :: context
      real(c_double), intent(out) :: omega
      integer(c_int) :: s
    end function
    function c_bsor_pc_get_stats(pc, stats) bind(c, name="bsor_pc_get_stats") result(s)
      import :: c_ptr, c_int, bsor_stats_t
      type(c_ptr), value :: pc
      type(bsor_stats_t), intent(out) :: stats
      integer(c_int) :: s
    end function
    function c_bsor_pc_save_state(pc, path) bind(c, name="bsor_pc_save_state") result(s)
      import :: c_ptr, c_int, c_char
      type(c_ptr), value :: pc
      character(kind=c_char), intent(in) :: path(*)
      integer(c_int) :: s
    end function
    function c_bsor_pc_load_state(pc, path) bind(c, name="bsor_pc_load_state") result(s)
      import :: c_ptr, c_int, c_char
      type(c_ptr), value :: pc
      character(kind=c_char), intent(in) :: path(*)
      integer(c_int) :: s
    end function
    function c_strlen(s) bind(c, name="strlen") result(n)
      import :: c_ptr, c_size_t
      type(c_ptr), value :: s
      integer(c_size_t) :: n
    end function
  end interface

contains

  ! ----- helpers ------------------------------------------------------------

  !> A C string as a Fortran string ("" for NULL).
  function c_to_f_string(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer(c_size_t) :: n, i
    if (.not. c_associated(p)) then
      s = ""
      return
    end if
    n = c_strlen(p)
    call c_f_pointer(p, chars, [n])
    allocate (character(len=n) :: s)
    do i = 1, n
      s(i:i) = chars(i)
    end do
  end function c_to_f_string

  !> A Fortran string as a NUL-terminated C string (trailing blanks kept).
  pure function f_to_c_string(s) result(c)
    character(len=*), intent(in) :: s
    character(kind=c_char) :: c(len(s) + 1)
    integer :: i
    do i = 1, len(s)
      c(i) = s(i:i)
    end do
    c(len(s) + 1) = c_null_char
  end function f_to_c_string

  !> Report a status: into `status` if present, else stop on failure.
  subroutine finish(code, status)
    integer(c_int), intent(in) :: code
    integer, intent(out), optional :: status
    if (present(status)) then
      status = int(code)
    else if (code /= BSOR_OK) then
      write (error_unit, '(a)') 'banditsor: '//bsor_last_error()//' ['//bsor_status_name(int(code))//']'
      error stop 'banditsor call failed (pass status= to handle errors)'
    end if
  end subroutine finish

  function context_value(context) result(c)
    real(c_double), intent(in), optional :: context
    real(c_double) :: c
    if (present(context)) then
      c = context
    else
      c = bsor_no_context()
    end if
  end function context_value

  ! ----- library --------------------------------------------------------------

  !> "No context" (NaN) for presolve/solve.
  function bsor_no_context() result(nan)
    real(c_double) :: nan
    nan = ieee_value(0.0_c_double, ieee_quiet_nan)
  end function bsor_no_context

  !> The library version "MAJOR.MINOR.PATCH".
  function bsor_version_string() result(s)
    character(len=:), allocatable :: s
    s = c_to_f_string(c_bsor_version_string())
  end function bsor_version_string

  !> The last failure's message on this thread ("" if none).
  function bsor_last_error() result(s)
    character(len=:), allocatable :: s
    s = c_to_f_string(c_bsor_last_error())
  end function bsor_last_error

  !> A status code's name, e.g. "BSOR_ERR_ZERO_DIAGONAL".
  function bsor_status_name(status) result(s)
    integer, intent(in) :: status
    character(len=:), allocatable :: s
    s = c_to_f_string(c_bsor_status_name(int(status, c_int)))
  end function bsor_status_name

  ! ----- lifetime -------------------------------------------------------------

  subroutine bsor_pc_create(pc, status)
    type(bsor_pc_t), intent(inout) :: pc
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_create(pc%ptr), status)
  end subroutine bsor_pc_create

  !> Free the handle (no-op if never created or already destroyed).
  subroutine bsor_pc_destroy(pc, status)
    type(bsor_pc_t), intent(inout) :: pc
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_destroy(pc%ptr), status)
  end subroutine bsor_pc_destroy

  logical function bsor_pc_associated(pc)
    type(bsor_pc_t), intent(in) :: pc
    bsor_pc_associated = c_associated(pc%ptr)
  end function bsor_pc_associated

  !> The underlying bsor_pc * (for the c_bsor_* functions).
  type(c_ptr) function bsor_pc_c_ptr(pc)
    type(bsor_pc_t), intent(in) :: pc
    bsor_pc_c_ptr = pc%ptr
  end function bsor_pc_c_ptr

  ! ----- operator -------------------------------------------------------------

  !> n x n CSR operator, 64-bit indices; rowptr(n+1), colind/values(nnz).
  !> one_based=.true.: rowptr and colind count from 1 (Fortran style).
  subroutine set_operator_csr_i64(pc, n, rowptr, colind, values, one_based, status)
    type(bsor_pc_t), intent(in) :: pc
    integer(int64), intent(in) :: n
    integer(int64), intent(in) :: rowptr(:), colind(:)
    real(c_double), intent(in) :: values(:)
    logical, intent(in), optional :: one_based
    integer, intent(out), optional :: status
    integer(c_int64_t), allocatable :: rp(:), ci(:)
    logical :: shift
    shift = .false.
    if (present(one_based)) shift = one_based
    if (size(rowptr) /= n + 1 .or. size(colind) /= size(values)) then
      call finish(size_mismatch(int(n, int64), size(rowptr, kind=int64), size(colind, kind=int64), &
                                size(values, kind=int64)), status)
      return
    end if
    ! Copies (shifted to 0-based if asked); colind never zero-sized.
    allocate (rp(size(rowptr)), ci(max(1, size(colind))))
    ci(1) = 0_c_int64_t
    if (shift) then
      rp(:) = rowptr - 1
      ci(1:size(colind)) = colind - 1
    else
      rp(:) = rowptr
      ci(1:size(colind)) = colind
    end if
    ! The C side reads rowptr[n] entries of colind and values.
    if (rp(size(rp)) > size(colind, kind=int64)) then
      call finish(size_mismatch(int(n, int64), size(rowptr, kind=int64), size(colind, kind=int64), &
                                size(values, kind=int64), int(rp(size(rp)), int64)), status)
      return
    end if
    call finish(c_bsor_pc_set_operator_csr(pc%ptr, int(n, c_int64_t), rp, ci, values_or_dummy(values)), status)
  end subroutine set_operator_csr_i64

  !> As above with 32-bit indices.
  subroutine set_operator_csr_i32(pc, n, rowptr, colind, values, one_based, status)
    type(bsor_pc_t), intent(in) :: pc
    integer(int32), intent(in) :: n
    integer(int32), intent(in) :: rowptr(:), colind(:)
    real(c_double), intent(in) :: values(:)
    logical, intent(in), optional :: one_based
    integer, intent(out), optional :: status
    integer(c_int32_t), allocatable :: rp(:), ci(:)
    logical :: shift
    shift = .false.
    if (present(one_based)) shift = one_based
    if (size(rowptr) /= n + 1 .or. size(colind) /= size(values)) then
      call finish(size_mismatch(int(n, int64), size(rowptr, kind=int64), size(colind, kind=int64), &
                                size(values, kind=int64)), status)
      return
    end if
    ! Copies (shifted to 0-based if asked); colind never zero-sized.
    allocate (rp(size(rowptr)), ci(max(1, size(colind))))
    ci(1) = 0_c_int32_t
    if (shift) then
      rp(:) = rowptr - 1
      ci(1:size(colind)) = colind - 1
    else
      rp(:) = rowptr
      ci(1:size(colind)) = colind
    end if
    ! The C side reads rowptr[n] entries of colind and values.
    if (rp(size(rp)) > size(colind, kind=int64)) then
      call finish(size_mismatch(int(n, int64), size(rowptr, kind=int64), size(colind, kind=int64), &
                                size(values, kind=int64), int(rp(size(rp)), int64)), status)
      return
    end if
    call finish(c_bsor_pc_set_operator_csr_i32(pc%ptr, int(n, c_int32_t), rp, ci, values_or_dummy(values)), status)
  end subroutine set_operator_csr_i32

  function values_or_dummy(values) result(v)
    real(c_double), intent(in) :: values(:)
    real(c_double), allocatable :: v(:)
    allocate (v(max(1, size(values))))
    v(1) = 0.0_c_double
    v(1:size(values)) = values
  end function values_or_dummy

  !> Checks array sizes on the Fortran side (the C API cannot see them).
  function size_mismatch(n, nrowptr, ncolind, nvalues, nnz) result(code)
    integer(int64), intent(in) :: n, nrowptr, ncolind, nvalues
    integer(int64), intent(in), optional :: nnz
    integer(c_int) :: code
    character(len=240) :: msg
    write (msg, '(a,i0,a,i0,a,i0,a,i0)') 'bsor_pc_set_operator_csr (Fortran): n = ', n, &
      ', size(rowptr) = ', nrowptr, ' (need n + 1), size(colind) = ', ncolind, &
      ', size(values) = ', nvalues
    if (present(nnz)) write (msg, '(a,a,i0,a)') trim(msg), ', rowptr(n+1) gives ', nnz, &
      ' entries (more than size(colind))'
    code = BSOR_ERR_INCONSISTENT_SIZES
    write (error_unit, '(a)') trim(msg)
  end function size_mismatch

  !> Whether vectors of sizes na, nb do not match the operator's n (the C
  !> API reads/writes n entries and cannot see the Fortran sizes). False
  !> when there is no operator or the handle is bad: the C call reports it.
  function vector_size_mismatch(pc, fname, a, b, na, nb) result(bad)
    type(bsor_pc_t), intent(in) :: pc
    character(len=*), intent(in) :: fname, a, b
    integer(int64), intent(in) :: na, nb
    logical :: bad
    integer(c_int64_t) :: n, nnz
    bad = .false.
    if (c_bsor_pc_get_size(pc%ptr, n, nnz) /= BSOR_OK) return
    if (n == 0) return
    if (na /= n .or. nb /= n) then
      bad = .true.
      write (error_unit, '(a,a,a,a,i0,a,a,a,i0,a,i0)') fname, ' (Fortran): size(', a, ') = ', na, &
        ', size(', b, ') = ', nb, ', operator has n = ', n
    end if
  end function vector_size_mismatch

  !> New values on the operator's pattern (size(values) = its nnz).
  subroutine bsor_pc_update_values(pc, values, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(in) :: values(:)
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_update_values(pc%ptr, size(values, kind=c_int64_t), values_or_dummy(values)), status)
  end subroutine bsor_pc_update_values

  subroutine bsor_pc_get_size(pc, n, nnz, status)
    type(bsor_pc_t), intent(in) :: pc
    integer(int64), intent(out) :: n, nnz
    integer, intent(out), optional :: status
    integer(c_int64_t) :: cn, cnnz
    call finish(c_bsor_pc_get_size(pc%ptr, cn, cnnz), status)
    n = cn
    nnz = cnnz
  end subroutine bsor_pc_get_size

  ! ----- settings -------------------------------------------------------------

  subroutine bsor_pc_set_learner(pc, kind, status)
    type(bsor_pc_t), intent(in) :: pc
    integer, intent(in) :: kind
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_set_learner(pc%ptr, int(kind, c_int32_t)), status)
  end subroutine bsor_pc_set_learner

  subroutine bsor_pc_set_omega(pc, omega, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(in) :: omega
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_set_omega(pc%ptr, omega), status)
  end subroutine bsor_pc_set_omega

  subroutine bsor_pc_set_omega_grid(pc, lo, hi, count, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(in) :: lo, hi
    integer, intent(in) :: count
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_set_omega_grid(pc%ptr, lo, hi, int(count, c_int32_t)), status)
  end subroutine bsor_pc_set_omega_grid

  subroutine bsor_pc_set_context_range(pc, lo, hi, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(in) :: lo, hi
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_set_context_range(pc%ptr, lo, hi), status)
  end subroutine bsor_pc_set_context_range

  subroutine bsor_pc_set_seed(pc, seed, status)
    type(bsor_pc_t), intent(in) :: pc
    integer(int64), intent(in) :: seed
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_set_seed(pc%ptr, int(seed, c_int64_t)), status)
  end subroutine bsor_pc_set_seed

  subroutine bsor_pc_set_sweep(pc, kind, its, status)
    type(bsor_pc_t), intent(in) :: pc
    integer, intent(in) :: kind, its
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_set_sweep(pc%ptr, int(kind, c_int32_t), int(its, c_int32_t)), status)
  end subroutine bsor_pc_set_sweep

  !> Cost of a failed solve; absent `cost` restores the default.
  subroutine bsor_pc_set_failure_cost(pc, cost, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(in), optional :: cost
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_set_failure_cost(pc%ptr, context_value(cost)), status)
  end subroutine bsor_pc_set_failure_cost

  ! ----- host-solver protocol -------------------------------------------------

  !> Start a solve; omega receives the learner's choice.
  subroutine bsor_pc_presolve(pc, omega, context, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(out) :: omega
    real(c_double), intent(in), optional :: context
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_presolve(pc%ptr, context_value(context), omega), status)
  end subroutine bsor_pc_presolve

  !> z = M^-1 r (arrays of the operator's size n).
  subroutine bsor_pc_apply(pc, r, z, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(in) :: r(:)
    real(c_double), intent(inout) :: z(:)
    integer, intent(out), optional :: status
    if (vector_size_mismatch(pc, 'bsor_pc_apply', 'r', 'z', size(r, kind=int64), size(z, kind=int64))) then
      call finish(BSOR_ERR_DIMENSION_MISMATCH, status)
      return
    end if
    call finish(c_bsor_pc_apply(pc%ptr, r, z), status)
  end subroutine bsor_pc_apply

  !> End a solve with its iteration count and whether it converged.
  subroutine bsor_pc_postsolve(pc, iterations, converged, status)
    type(bsor_pc_t), intent(in) :: pc
    integer(int64), intent(in) :: iterations
    logical, intent(in) :: converged
    integer, intent(out), optional :: status
    integer(c_int32_t) :: flag
    flag = 0
    if (converged) flag = 1
    call finish(c_bsor_pc_postsolve(pc%ptr, int(iterations, c_int64_t), flag), status)
  end subroutine bsor_pc_postsolve

  !> One learned solve of A x = b from the initial guess in x.
  !> A solve that reaches max_it sets converged = .false. if `converged` is
  !> present (not an error then); otherwise it is BSOR_ERR_NOT_CONVERGED.
  subroutine bsor_solve(pc, method, b, x, rtol, max_it, iterations, context, converged, status)
    type(bsor_pc_t), intent(in) :: pc
    integer, intent(in) :: method
    real(c_double), intent(in) :: b(:)
    real(c_double), intent(inout) :: x(:)
    real(c_double), intent(in) :: rtol
    integer(int64), intent(in) :: max_it
    integer(int64), intent(out) :: iterations
    real(c_double), intent(in), optional :: context
    logical, intent(out), optional :: converged
    integer, intent(out), optional :: status
    integer(c_int) :: code
    integer(c_int64_t) :: its
    its = 0
    iterations = 0
    if (present(converged)) converged = .false.
    if (vector_size_mismatch(pc, 'bsor_solve', 'b', 'x', size(b, kind=int64), size(x, kind=int64))) then
      call finish(BSOR_ERR_DIMENSION_MISMATCH, status)
      return
    end if
    code = c_bsor_solve(pc%ptr, int(method, c_int32_t), context_value(context), b, x, rtol, &
                        int(max_it, c_int64_t), its)
    iterations = its
    if (present(converged)) then
      converged = code == BSOR_OK
      if (code == BSOR_ERR_NOT_CONVERGED) code = BSOR_OK
    end if
    call finish(code, status)
  end subroutine bsor_solve

  ! ----- queries and persistence -------------------------------------------

  subroutine bsor_pc_get_omega(pc, omega, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(out) :: omega
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_get_omega(pc%ptr, omega), status)
  end subroutine bsor_pc_get_omega

  subroutine bsor_pc_get_favourite_omega(pc, omega, context, status)
    type(bsor_pc_t), intent(in) :: pc
    real(c_double), intent(out) :: omega
    real(c_double), intent(in), optional :: context
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_get_favourite_omega(pc%ptr, context_value(context), omega), status)
  end subroutine bsor_pc_get_favourite_omega

  subroutine bsor_pc_get_stats(pc, stats, status)
    type(bsor_pc_t), intent(in) :: pc
    type(bsor_stats_t), intent(out) :: stats
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_get_stats(pc%ptr, stats), status)
  end subroutine bsor_pc_get_stats

  subroutine bsor_pc_save_state(pc, path, status)
    type(bsor_pc_t), intent(in) :: pc
    character(len=*), intent(in) :: path
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_save_state(pc%ptr, f_to_c_string(path)), status)
  end subroutine bsor_pc_save_state

  subroutine bsor_pc_load_state(pc, path, status)
    type(bsor_pc_t), intent(in) :: pc
    character(len=*), intent(in) :: path
    integer, intent(out), optional :: status
    call finish(c_bsor_pc_load_state(pc%ptr, f_to_c_string(path)), status)
  end subroutine bsor_pc_load_state

end module banditsor
