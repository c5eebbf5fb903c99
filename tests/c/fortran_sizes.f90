! The Fortran wrappers check array sizes the C API cannot see: a size
! mismatch returns a status instead of letting the library read or write
! past the end of an array.
program fortran_sizes
  use, intrinsic :: iso_fortran_env, only: int32, int64, real64
  use banditsor
  implicit none
  type(bsor_pc_t) :: pc
  integer :: st
  integer(int64) :: its
  real(real64) :: r(3), z(3), short(2), long(4)
  ! 3 x 3 diagonal matrix, 0-based.
  integer(int64) :: rowptr(4) = [0_int64, 1_int64, 2_int64, 3_int64]
  integer(int64) :: colind(3) = [0_int64, 1_int64, 2_int64]
  integer(int32) :: rowptr32(4) = [1, 2, 3, 4]
  integer(int32) :: colind32(3) = [1, 2, 3]
  integer(int64) :: bad_rowptr(4) = [0_int64, 1_int64, 2_int64, 5_int64]
  integer(int32) :: bad_rowptr32(4) = [1, 2, 3, 6]
  real(real64) :: values(3) = [2.0_real64, 2.0_real64, 2.0_real64]

  call bsor_pc_create(pc)
  ! rowptr(n+1) claims more entries than colind/values hold.
  call bsor_pc_set_operator_csr(pc, 3_int64, bad_rowptr, colind, values, status=st)
  call expect(st, BSOR_ERR_INCONSISTENT_SIZES, 'i64 rowptr(n+1) > size(colind)')
  call bsor_pc_set_operator_csr(pc, 3_int32, bad_rowptr32, colind32, values, one_based=.true., status=st)
  call expect(st, BSOR_ERR_INCONSISTENT_SIZES, 'i32 rowptr(n+1) > size(colind)')
  call bsor_pc_set_operator_csr(pc, 3_int32, rowptr32, colind32, values, one_based=.true., status=st)
  call expect(st, BSOR_OK, 'i32 operator')
  call bsor_pc_set_operator_csr(pc, 3_int64, rowptr, colind, values, status=st)
  call expect(st, BSOR_OK, 'i64 operator')

  r = 1.0_real64
  z = -1.0_real64
  call bsor_pc_apply(pc, short, z, status=st)
  call expect(st, BSOR_ERR_DIMENSION_MISMATCH, 'apply: r too short')
  call bsor_pc_apply(pc, r, short, status=st)
  call expect(st, BSOR_ERR_DIMENSION_MISMATCH, 'apply: z too short')
  call bsor_pc_apply(pc, r, long, status=st)
  call expect(st, BSOR_ERR_DIMENSION_MISMATCH, 'apply: z too long')
  if (any(abs(z + 1.0_real64) > 0.0_real64)) error stop 'z changed by a failed apply'
  call bsor_pc_apply(pc, r, z, status=st)
  call expect(st, BSOR_OK, 'apply')

  call bsor_solve(pc, BSOR_METHOD_CG, short, z, 1.0e-10_real64, 10_int64, its, status=st)
  call expect(st, BSOR_ERR_DIMENSION_MISMATCH, 'solve: b too short')
  call bsor_solve(pc, BSOR_METHOD_CG, r, short, 1.0e-10_real64, 10_int64, its, status=st)
  call expect(st, BSOR_ERR_DIMENSION_MISMATCH, 'solve: x too short')
  z = 0.0_real64
  call bsor_solve(pc, BSOR_METHOD_CG, r, z, 1.0e-10_real64, 10_int64, its, status=st)
  call expect(st, BSOR_OK, 'solve')
  if (any(abs(z - 0.5_real64) > 1.0e-12_real64)) error stop 'wrong solution'

  call bsor_pc_destroy(pc)
  print '(a)', 'PASS'

contains

  subroutine expect(got, want, what)
    integer, intent(in) :: got
    integer, intent(in) :: want
    character(len=*), intent(in) :: what
    if (got /= want) then
      print '(a,a,a,i0,a,i0)', 'FAIL ', what, ': status ', got, ', expected ', want
      error stop 1
    end if
  end subroutine expect

end program fortran_sizes
